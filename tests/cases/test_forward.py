"""Forwarding moves a case between two agency schemas in one transaction."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from cases import services
from cases.index.models import CaseIndex
from cases.models import Attachment, Case, CaseEvent, CaseState, InternalNote
from cases.services import Actor, AttachmentInput, routing
from tests.cases.conftest import in_schema, staff


class Boom(RuntimeError):
    pass


def test_forward_keeps_uuid_and_attachment_keys(file_petition, clerk, bureau, agency_a):
    attachment = AttachmentInput("ag_xfj/attachments/2026/a/photo.png", "photo.png", "image/png", 10)
    result = file_petition(attachments=[attachment])
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    moved = in_schema(agency_a, Attachment, case_id=result.case_uuid)
    assert [a.storage_key for a in moved] == ["ag_xfj/attachments/2026/a/photo.png"]
    assert in_schema(agency_a, Case, pk=result.case_uuid)[0].tracking_number == result.tracking_number


def test_internal_notes_stay_with_the_agency_that_wrote_them(file_petition, clerk, bureau, agency_a):
    result = file_petition()
    services.add_note(case_uuid=result.case_uuid, actor=staff(clerk, bureau), text="来电称情况紧急")
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    assert len(in_schema(bureau, InternalNote, case_id=result.case_uuid)) == 1
    assert in_schema(agency_a, InternalNote, case_id=result.case_uuid) == []


@pytest.mark.parametrize("fail_at", ["_write_children", "_sync_index"])
def test_a_failure_mid_forward_leaves_everything_as_before(
    file_petition, clerk, bureau, agency_a, monkeypatch, fail_at
):
    result = file_petition()
    services.register_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau))
    # forward_case lives in the routing stage: patch the names it calls there.
    real = getattr(routing, fail_at)
    calls = []

    def failing(*args, **kwargs):
        # Fail after the target row has been written (children) or after the stub is marked (index).
        calls.append(connection.schema_name)
        if fail_at == "_sync_index" and args[2] != agency_a:
            return real(*args, **kwargs)
        raise Boom("forced failure")

    monkeypatch.setattr(routing, fail_at, failing)
    with pytest.raises(Boom):
        services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    assert calls, "the failure point was never reached"
    monkeypatch.undo()
    connection.set_schema_to_public()
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    assert index.holder == bureau and index.state == CaseState.REGISTERED
    with schema_context(bureau.schema_name):
        source = Case.objects.get(pk=result.case_uuid)
        assert source.state == CaseState.REGISTERED and source.routed_at is None
        assert [e.kind for e in CaseEvent.objects.filter(case=source)] == ["submitted", "registered"]
    with schema_context(agency_a.schema_name):
        assert not Case.objects.filter(pk=result.case_uuid).exists()
        assert not CaseEvent.objects.filter(case_id=result.case_uuid).exists()
    # and it can be forwarded properly afterwards
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).holder == agency_a


def test_cannot_forward_to_the_oversight_body_or_to_itself(file_petition, clerk, bureau, oversight):
    from config.errors import HallError

    result = file_petition()
    for target in (oversight, bureau):
        with pytest.raises(HallError):
            services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=target)


def test_an_agency_cannot_touch_a_case_it_no_longer_holds(
    file_petition, clerk, bureau, agency_a, agency_b, handler_a
):
    from config.errors import Forbidden

    result = file_petition(agency=agency_a)
    services.send_to_bureau(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), reason="不属于本单位职责"
    )
    with pytest.raises(Forbidden):
        services.sign_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    # The stub it keeps says where it went.
    assert in_schema(agency_a, Case, pk=result.case_uuid)[0].state == CaseState.TRANSFERRED


def test_a_model_saved_under_one_agency_is_invisible_from_another(file_petition, agency_a, agency_b):
    result = file_petition(agency=agency_a)
    with schema_context(agency_b.schema_name):
        assert not Case.objects.filter(pk=result.case_uuid).exists()
        assert Case.objects.count() == 0
    with schema_context(agency_a.schema_name):
        assert Case.objects.filter(pk=result.case_uuid).exists()


def test_case_returns_to_a_schema_that_held_it_before(replied_case_at_a, citizen, bureau):
    """The bureau's stub is replaced by the full record when the case comes back for review."""
    services.request_review(
        case_uuid=replied_case_at_a, actor=Actor.citizen(citizen), reason="对处理意见不服"
    )
    with schema_context(bureau.schema_name):
        case = Case.objects.get(pk=replied_case_at_a)
        kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert case.state == CaseState.REVIEW_REQUESTED
    assert kinds[:3] == ["submitted", "forwarded", "transferred_in"] and "replied" in kinds
    assert kinds[-2:] == ["review_requested", "transferred_in"]


@pytest.fixture
def replied_case_at_a(file_petition, clerk, bureau, handler_a, agency_a):
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.reply_case(
        case_uuid=result.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="explain",
        text="经核实，收费依据为物价部门批复，已向您解释说明。",
    )
    return result.case_uuid
