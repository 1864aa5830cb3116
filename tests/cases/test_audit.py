import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from cases.audit import GENESIS, verify_case_chain
from cases.models import CaseEvent
from tests.cases.conftest import in_schema


def test_events_record_who_when_where_and_what(file_petition, bureau):
    result = file_petition()
    event = in_schema(bureau, CaseEvent, case_id=result.case_uuid)[0]
    assert event.actor_uuid is not None and event.at is not None
    assert event.changes["filed_with"] == bureau.code
    assert event.prev_hash == GENESIS and len(event.hash) == 64


def test_chain_of_an_untouched_case_verifies(file_petition, bureau, capsys):
    file_petition()
    call_command("verify_audit")
    assert "no tampering" in capsys.readouterr().out


def test_verifier_catches_an_edited_event(file_petition, clerk, bureau):
    from cases import services
    from cases.services import Actor

    result = file_petition()
    services.register_case(case_uuid=result.case_uuid, actor=Actor.staff(clerk, bureau))
    with schema_context(bureau.schema_name):
        # Someone with database access rewrites history: the submission now claims another channel.
        first = CaseEvent.objects.get(case_id=result.case_uuid, seq=1)
        first.changes = {**first.changes, "channel": "visit"}
        first.save()
        problems = verify_case_chain(CaseEvent.objects.filter(case_id=result.case_uuid).order_by("seq"))
    assert [(p.seq, p.problem) for p in problems] == [(1, "content does not match its hash")]
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_audit", agency=bureau.code)


def test_verifier_catches_a_deleted_event(file_petition, clerk, bureau):
    from cases import services
    from cases.services import Actor

    result = file_petition()
    services.register_case(case_uuid=result.case_uuid, actor=Actor.staff(clerk, bureau))
    with schema_context(bureau.schema_name):
        CaseEvent.objects.filter(case_id=result.case_uuid, seq=1).delete()
        problems = verify_case_chain(CaseEvent.objects.filter(case_id=result.case_uuid).order_by("seq"))
    assert {p.problem for p in problems} == {"expected event #1", "link to the previous event broken"}
