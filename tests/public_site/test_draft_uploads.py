"""Draft uploads: released when the petition is filed, purged when never filed, and never silently
missing from a filed petition."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.index.models import CaseIndex
from filestore.models import StagedUpload
from filestore.tasks import purge_abandoned_uploads
from tests.filestore.samples import pdf_bytes
from tests.public_site.test_filing import fill, start


def upload(client, sid, name="证据.pdf"):
    response = client.post(
        "/file/upload/",
        {"submission_id": sid, "file": SimpleUploadedFile(name, pdf_bytes(), "application/pdf")},
    )
    assert response.status_code == 201
    return StagedUpload.objects.order_by("-created_at").first().key


def test_filing_releases_the_drafts_uploads(alice, registered, city):
    sid = start(alice)
    key = upload(alice, sid)
    fill(alice, sid)
    alice.post("/file/review/", {"submission_id": sid})
    assert CaseIndex.objects.filter(citizen=registered).exists()
    assert not StagedUpload.objects.filter(key=key).exists()
    StagedUpload.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert purge_abandoned_uploads() == 0 and default_storage.exists(key)


def test_uploads_of_a_draft_never_filed_are_purged_after_the_grace_period(alice, city):
    sid = start(alice)
    key = upload(alice, sid)
    assert purge_abandoned_uploads() == 0 and default_storage.exists(key)  # still within the grace period
    StagedUpload.objects.filter(key=key).update(created_at=timezone.now() - timedelta(days=16))
    assert purge_abandoned_uploads() == 1
    assert not default_storage.exists(key) and not StagedUpload.objects.exists()


def test_a_missing_attachment_stops_the_filing_and_says_which(alice, registered, city):
    sid = start(alice)
    key = upload(alice, sid, "收据.pdf")
    fill(alice, sid)
    default_storage.delete(key)
    response = alice.post("/file/review/", {"submission_id": sid})
    assert response.status_code == 302 and not CaseIndex.objects.filter(citizen=registered).exists()
    page = alice.get(response["Location"]).content.decode()
    assert "收据.pdf" in page and "重新上传" in page
