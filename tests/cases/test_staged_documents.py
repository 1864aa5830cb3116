"""Generated documents are rendered after the action commits (cases.services.documents).

The first tests commit for real (two connections, a real S3 endpoint on loopback): a rolled-back
action leaves no object in storage, no row lock is held while a PDF renders, and the document is
there once the action has committed. The others run in the ordinary rolled-back transaction: a failed
render is shown, not a 500, and is retried.
"""

import io
import re
import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, connections, transaction
from django_tenants.utils import schema_context
from pypdf import PdfReader

import documents.services as document_services
from accounts.models import Role, User
from cases import services, tasks
from cases.index.models import CaseIndex, StagedDocument
from cases.models import Case, Document, DocumentStatus
from cases.services import Actor, PetitionerInput, PetitionInput
from config import clock
from documents.models import DocumentSequence
from tenants.models import Agency
from tests.cases.conftest import in_schema, staff
from tests.conftest import make_staff, make_user
from tests.filestore.conftest import s3_bucket  # noqa: F401 - the fixture, used by name below


def _objects(client, bucket) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _pdf_text(client, bucket, key: str) -> str:
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages))


@pytest.fixture
def committed(django_db_blocker):
    """Real commits on real connections; everything made here is removed afterwards (and the document
    numbers the test took are given back, so numbering tests elsewhere still start at 1)."""
    with django_db_blocker.unblock():
        sequences = {
            (row.agency_code, row.kind, row.year): row.last_number for row in DocumentSequence.objects.all()
        }
        made: dict[str, list] = {"users": [], "cases": []}
        yield made
        connection.set_schema_to_public()
        for case_uuid in made["cases"]:
            CaseIndex.objects.filter(case_uuid=case_uuid).delete()
            StagedDocument.objects.filter(case_uuid=case_uuid).delete()
            for agency in Agency.objects.exclude(schema_name="public"):
                with schema_context(agency.schema_name):
                    Case.objects.filter(pk=case_uuid).delete()
        for row in DocumentSequence.objects.all():
            key = (row.agency_code, row.kind, row.year)
            if key not in sequences:
                row.delete()
            elif row.last_number != sequences[key]:
                DocumentSequence.objects.filter(pk=row.pk).update(last_number=sequences[key])
        User.objects.filter(pk__in=[user.pk for user in made["users"]]).delete()


def _city(made):
    bureau = Agency.objects.get(code="xfj")
    agency = Agency.objects.get(code="gaj")
    tag = uuid.uuid4().hex[:8]
    citizen = make_user(f"staged-{tag}@example.cn", "石文书")
    clerk = make_staff(f"clerk-{tag}@xfj.test", bureau, Role.HANDLER)
    handler = make_staff(f"handler-{tag}@gaj.test", agency, Role.HANDLER)
    made["users"] += [citizen, clerk, handler]
    result = services.submit_petition(
        actor=Actor.citizen(citizen),
        filed_with=bureau,
        petition=PetitionInput(
            "complaint", f"路灯长期不亮{tag}", "小区门口的路灯已经坏了三个月，夜间出行很不安全。"
        ),
        petitioner=PetitionerInput(name="石文书", phone="13800138000", address="三门峡市湖滨区黄河路1号"),
    )
    made["cases"].append(result.case_uuid)
    return bureau, agency, clerk, handler, result


def test_a_rolled_back_action_leaves_no_object_in_storage_and_no_document(committed, s3_bucket, monkeypatch):  # noqa: F811
    client, bucket = s3_bucket
    bureau, agency, clerk, _handler, result = _city(committed)
    rendered = []
    real_render = document_services.render_document
    monkeypatch.setattr(
        document_services, "render_document", lambda **kw: rendered.append(kw) or real_render(**kw)
    )

    def fail_after_the_notice(*args, **kwargs):
        raise DatabaseError("the target schema is away")

    # The notice is numbered and recorded, then the move to the target fails: all of it rolls back.
    monkeypatch.setattr("cases.services.routing._transfer", fail_after_the_notice)
    with pytest.raises(DatabaseError):
        services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency)

    assert rendered == []
    assert _objects(client, bucket) == []
    assert in_schema(bureau, Document, case_id=result.case_uuid) == []
    assert not StagedDocument.objects.filter(case_uuid=result.case_uuid).exists()
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).holder == bureau

    # Control: the same forward, committed, stores the notice.
    monkeypatch.undo()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency)
    (notice,) = in_schema(agency, Document, case_id=result.case_uuid)
    assert _objects(client, bucket) == [notice.storage_key]


def test_no_row_lock_is_held_while_the_pdf_renders_and_the_document_is_there_after_commit(
    committed,
    s3_bucket,  # noqa: F811
    monkeypatch,
):
    client, bucket = s3_bucket
    bureau, agency, clerk, handler, result = _city(committed)
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency)
    seen = []
    real_render = document_services.render_document

    def render_while_another_connection_locks(**kwargs):
        # Another connection takes the index row and the case row without waiting, and sees the
        # action committed with its document pending.
        def lock():
            try:
                with transaction.atomic():
                    index = CaseIndex.objects.select_for_update(nowait=True).get(case_uuid=result.case_uuid)
                    with schema_context(agency.schema_name):
                        case = Case.objects.select_for_update(nowait=True).get(pk=result.case_uuid)
                        statuses = dict(
                            Document.objects.filter(case_id=result.case_uuid).values_list("kind", "status")
                        )
                    seen.append((index.state, case.state, statuses))
            except Exception as exc:  # noqa: BLE001 - asserted below
                seen.append(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=lock)
        thread.start()
        thread.join(timeout=20)
        return real_render(**kwargs)

    monkeypatch.setattr(document_services, "render_document", render_while_another_connection_locks)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler, agency))

    assert seen == [
        ("accepted", "accepted", {"forward_notice": DocumentStatus.READY, "acceptance_notice": "pending"})
    ]
    documents = {d.kind: d for d in in_schema(agency, Document, case_id=result.case_uuid)}
    notice = documents["acceptance_notice"]
    assert notice.status == DocumentStatus.READY and notice.render_spec == {} and notice.size > 0
    assert sorted(_objects(client, bucket)) == sorted(d.storage_key for d in documents.values())
    text = _pdf_text(client, bucket, notice.storage_key)
    assert notice.number in text and "石文书" in text and "信访事项受理告知书" in text
    assert not StagedDocument.objects.filter(case_uuid=result.case_uuid).exists()
    # The forward notice's copy in the bureau's schema was marked ready too.
    (bureau_copy,) = in_schema(bureau, Document, case_id=result.case_uuid)
    assert (
        bureau_copy.status == DocumentStatus.READY
        and bureau_copy.storage_key == documents["forward_notice"].storage_key
    )


# --- Inside the ordinary test transaction ----------------------------------------------------------


@pytest.fixture
def forwarded(file_petition, clerk, bureau, agency_a, local_storage):
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    return result


def test_the_pdf_says_what_the_case_said_at_the_action_not_later(forwarded, agency_a, handler_a, monkeypatch):
    from django.core.files.storage import default_storage

    held = []
    monkeypatch.setattr(services.documents, "_enqueue_render", lambda document_id: held.append(document_id))
    services.accept_case(case_uuid=forwarded.case_uuid, actor=staff(handler_a, agency_a))
    # The title changes after the action and before the render: the notice keeps the old one.
    with schema_context(agency_a.schema_name):
        Case.objects.filter(pk=forwarded.case_uuid).update(title="后来改过的标题")
    monkeypatch.undo()
    (document_id,) = held
    assert services.render_staged_document(uuid.UUID(document_id)) == "ready"
    (notice,) = in_schema(agency_a, Document, case_id=forwarded.case_uuid, kind="acceptance_notice")
    with default_storage.open(notice.storage_key, "rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert "后来改过的标题" not in text and "小区物业违规收取停车费" in re.sub(r"\s+", "", text)
    # Running it again changes nothing (idempotent).
    assert services.render_staged_document(uuid.UUID(document_id)) == "done"


def test_a_failed_render_is_shown_as_pending_everywhere_and_retried_by_the_sweep(
    forwarded, agency_a, handler_a, citizen, host_client, portal_client, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("font server down")

    monkeypatch.setattr(document_services, "render_document", broken)
    services.accept_case(case_uuid=forwarded.case_uuid, actor=staff(handler_a, agency_a))
    (notice,) = in_schema(agency_a, Document, case_id=forwarded.case_uuid, kind="acceptance_notice")
    assert notice.status == DocumentStatus.FAILED and notice.storage_key == ""
    staged = StagedDocument.objects.get(document_id=notice.pk)
    assert staged.attempts == 1 and "font server down" in staged.last_error

    # The workspace, the portal and the API show it without a link, and do not fail.
    page = host_client(agency_a, handler_a).get(f"/case/{forwarded.case_uuid}/")
    assert page.status_code == 200
    assert "生成失败，正在重试" in page.content.decode()
    portal_client.force_login(citizen)
    mine = portal_client.get(f"/mine/{forwarded.case_uuid}/")
    assert mine.status_code == 200 and "生成失败，正在重试" in mine.content.decode()
    download = portal_client.get(f"/mine/{forwarded.case_uuid}/documents/{notice.pk}/")
    assert download.status_code == 302 and download["Location"].endswith(f"/mine/{forwarded.case_uuid}/")
    api = portal_client.get(f"/api/v1/petitions/{forwarded.case_uuid}/")
    assert api.status_code == 200
    row = next(d for d in api.json()["documents"] if d["kind"] == "acceptance_notice")
    assert row["status"] == "failed" and row["download_url"] is None

    # The beat sweep leaves a fresh failure to the worker's own retries, then renders it.
    monkeypatch.undo()
    assert tasks.render_staged_documents() == 0
    with time_machine.travel(clock.now() + timedelta(minutes=10)):
        assert tasks.render_staged_documents() == 1
    (notice,) = in_schema(agency_a, Document, case_id=forwarded.case_uuid, kind="acceptance_notice")
    assert notice.status == DocumentStatus.READY and notice.storage_key
    assert not StagedDocument.objects.filter(document_id=notice.pk).exists()
    mine = portal_client.get(f"/mine/{forwarded.case_uuid}/documents/{notice.pk}/")
    assert mine.status_code == 302 and f"/mine/{forwarded.case_uuid}/" not in mine["Location"]


def test_a_document_still_rendering_shows_as_being_generated(
    forwarded, agency_a, handler_a, citizen, host_client, portal_client, agency_b, handler_b, monkeypatch
):
    monkeypatch.setattr(services.documents, "_enqueue_render", lambda document_id: None)
    services.accept_case(case_uuid=forwarded.case_uuid, actor=staff(handler_a, agency_a))
    assert (
        "正在生成" in host_client(agency_a, handler_a).get(f"/case/{forwarded.case_uuid}/").content.decode()
    )
    portal_client.force_login(citizen)
    assert "正在生成" in portal_client.get(f"/mine/{forwarded.case_uuid}/").content.decode()
    # Another agency still finds nothing (not found, never forbidden).
    assert host_client(agency_b, handler_b).get(f"/case/{forwarded.case_uuid}/").status_code == 404


def test_two_runs_of_one_render_at_once_keep_one_file(
    forwarded, agency_a, handler_a, local_storage, monkeypatch
):
    held = []
    monkeypatch.setattr(services.documents, "_enqueue_render", lambda document_id: held.append(document_id))
    services.accept_case(case_uuid=forwarded.case_uuid, actor=staff(handler_a, agency_a))
    (document_id,) = held
    before = {path for path in local_storage.rglob("*.pdf")}
    real_render = document_services.render_document
    overtaken: list[str] = []
    started: list[bool] = []

    def render_while_a_redelivered_message_runs(**kwargs):
        if not started:  # the first run is overtaken by a second one that finishes first
            started.append(True)
            overtaken.append(services.render_staged_document(uuid.UUID(document_id)))
        return real_render(**kwargs)

    monkeypatch.setattr(document_services, "render_document", render_while_a_redelivered_message_runs)
    assert services.render_staged_document(uuid.UUID(document_id)) == "done"
    assert overtaken == ["ready"]
    (notice,) = in_schema(agency_a, Document, case_id=forwarded.case_uuid, kind="acceptance_notice")
    added = {path for path in local_storage.rglob("*.pdf")} - before
    assert [str(path.relative_to(local_storage)) for path in added] == [notice.storage_key]
