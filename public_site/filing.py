"""Filing a petition: the form, attachment uploads, the review page and the receipt.

The typed data lives in the session between the steps, under a ``submission_id`` minted when the
form is first shown. Files are checked and stored when they are uploaded, and each one is a row of its
own (filestore's StagedUpload, keyed by the citizen and the ``submission_id``), never a list in the
session: files chosen together are uploaded in parallel, and a session is saved whole by whichever
request ends last, so a list there would keep only one of them. The same ``submission_id`` goes to
``submit_petition``, so a second click on "submit" returns the first receipt instead of a second
petition.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name

from accounts.access import profile_required
from accounts.queries import profile_for
from accounts.services import ProfileRequired, petitioner_snapshot
from cases.access import case_for_citizen
from cases.index.models import CaseIndex
from cases.models import CaseState, PetitionType
from cases.services import Actor, AttachmentInput, PetitionerInput, PetitionInput, submit_petition
from config.crypto import decrypt_text
from config.errors import HallError, NotFound
from filestore.services import (
    draft_uploads,
    drop_draft_upload,
    release_staged,
    stage_draft_upload,
    store_file,
    validate_upload,
)
from public_site.forms import MAX_ATTACHMENTS, PetitionForm
from public_site.queries import bureau, case_holding_agencies, similar_open_petitions
from public_site.receipts import lookup_link, qr_svg, report_routing_notice
from public_site.views import client_ip
from tenants.models import Agency, reportable_agencies

DRAFTS = "portal_drafts"
MAX_DRAFTS = 5
FIELDS = ("petition_type", "title", "body", "location", "people_count", "is_public", "reported_agency")


# --- The draft in the session ------------------------------------------------------------------------


def _drafts(request) -> dict:
    return request.session.setdefault(DRAFTS, {})


def _new_draft(request, agency: Agency) -> str:
    drafts = _drafts(request)
    while len(drafts) >= MAX_DRAFTS:
        drafts.pop(next(iter(drafts)))
    submission_id = str(uuid.uuid4())
    drafts[submission_id] = {"agency": agency.code, "data": {}}
    request.session.modified = True
    return submission_id


def _draft(request, submission_id) -> dict | None:
    try:
        key = str(uuid.UUID(str(submission_id)))
    except ValueError:
        return None
    return _drafts(request).get(key)


AGENCY_CODE = re.compile(r"^[a-z0-9_-]{1,20}$")


def _agency(code: str | None) -> Agency:
    if not code:
        default = bureau()
        if default is None:
            raise Http404
        return default
    if not AGENCY_CODE.match(code):
        raise Http404  # not a code of the registry: never a query with a NUL byte or 10 kB in it
    agency = case_holding_agencies().filter(code=code).first()
    if agency is None:
        raise Http404
    return agency


def _files(request, submission_id: str) -> list[dict]:
    """The draft's uploads (rows of their own: see the module docstring)."""
    return [
        {"token": f.token, "key": f.key, "name": f.name, "type": f.content_type, "size": f.size}
        for f in draft_uploads(request.user, uuid.UUID(submission_id))
    ]


def _store_upload(request, submission_id: str, upload) -> dict:
    """Check and store one upload for the draft; HallError when refused."""
    staged = store_draft_upload(request.user, uuid.UUID(submission_id), upload)
    return {"token": staged.token, "name": staged.name, "size": staged.size}


def store_draft_upload(owner, submission_id: uuid.UUID, upload):
    """Check and store one upload of ``owner``'s draft ``submission_id`` (the portal's form and the
    API's upload-then-attach both); returns its StagedUpload row, HallError when refused."""
    if len(draft_uploads(owner, submission_id)) >= MAX_ATTACHMENTS:
        raise HallError(_("最多上传%(n)s个附件。") % {"n": MAX_ATTACHMENTS}, code="too_many_attachments")
    checked = validate_upload(upload)
    # Under the portal's (public) prefix, not the chosen agency's: the petition type (a report whose
    # materials the reported unit must never reach, art. 46) and the final holder are not known yet,
    # and forwarding keeps keys, so no agency prefix would stay right.
    key = store_file(
        schema_name=get_public_schema_name(), category="attachments", upload=upload, checked=checked
    )
    return stage_draft_upload(
        owner=owner,
        draft=submission_id,
        key=key,
        # For display only, with the extension of the detected type ("img.html" holding a JPEG is
        # "img.jpg"); what the file is served as follows the key, never this name.
        name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        limit=MAX_ATTACHMENTS,
    )


def _form_url(submission_id: str) -> str:
    return f"{reverse('portal:file')}?{urlencode({'s': submission_id})}"


def _review_url(submission_id: str) -> str:
    return f"{reverse('portal:file_review')}?{urlencode({'s': submission_id})}"


def _render_form(request, form, submission_id: str, draft: dict, *, status: int = 200):
    agency = _agency(draft["agency"])
    return render(
        request,
        "public_site/file_form.html",
        {
            "form": form,
            "submission_id": submission_id,
            "agency": agency,
            "files": _files(request, submission_id),
            "max_attachments": MAX_ATTACHMENTS,
            "max_upload_bytes": settings.HALL_UPLOAD_MAX_BYTES,
            "profile": profile_for(request.user),
        },
        status=status,
    )


# --- Pages -------------------------------------------------------------------------------------------


@profile_required
def file_petition(request):
    """The form. GET ?agency=<code> starts a draft (the bureau by default); ?s=<id> reopens one."""
    if request.method == "GET":
        submission_id = request.GET.get("s", "")
        draft = _draft(request, submission_id)
        if draft is None:
            submission_id = _new_draft(request, _agency(request.GET.get("agency")))
            draft = _draft(request, submission_id)
        form = PetitionForm(initial=draft["data"] or {"is_public": "0", "people_count": 1})
        return _render_form(request, form, submission_id, draft)

    submission_id = request.POST.get("submission_id", "")
    draft = _draft(request, submission_id)
    if draft is None:
        # The session expired between showing and posting the form: start again with what was typed.
        submission_id = _new_draft(request, _agency(request.POST.get("agency")))
        draft = _draft(request, submission_id)
        messages.warning(request, _("填写时间过长，已上传的附件需要重新选择。"))
    remove = request.POST.get("remove_file")
    if remove:
        drop_draft_upload(request.user, uuid.UUID(submission_id), remove)
        return _render_form(request, PetitionForm(initial=request.POST.dict()), submission_id, draft)

    form = PetitionForm(request.POST, request.FILES)
    upload_errors = []
    for upload in request.FILES.getlist("attachments"):
        try:
            _store_upload(request, submission_id, upload)
        except HallError as exc:
            upload_errors.append(str(exc))
    valid = form.is_valid()
    for problem in upload_errors:
        form.add_error("attachments", problem)
    if not valid or upload_errors:
        return _render_form(request, form, submission_id, draft, status=400)
    draft["data"] = {name: request.POST.get(name, "") for name in FIELDS}
    draft["data"]["reported_agency"] = form.cleaned_data["reported_agency"]
    request.session.modified = True
    return redirect(_review_url(submission_id))


@profile_required
@require_POST
def upload_attachment(request):
    """One file from the progress-bar uploader: JSON in, JSON out."""
    submission_id = request.POST.get("submission_id", "")
    draft = _draft(request, submission_id)
    upload = request.FILES.get("file")
    if draft is None:
        return JsonResponse({"error": _("填写时间过长，请刷新页面后重新上传。")}, status=400)
    if upload is None:
        return JsonResponse({"error": _("请选择要上传的文件。")}, status=400)
    try:
        entry = _store_upload(request, submission_id, upload)
    except HallError as exc:
        return JsonResponse({"error": str(exc), "code": exc.code}, status=400)
    return JsonResponse({"token": entry["token"], "name": entry["name"], "size": entry["size"]}, status=201)


def _petition_input(draft: dict, files: list[dict]) -> PetitionInput:
    data = draft["data"]
    return PetitionInput(
        petition_type=data.get("petition_type", ""),
        title=data.get("title", ""),
        body=data.get("body", ""),
        location=data.get("location", ""),
        people_count=int(data.get("people_count") or 1),
        is_public=data.get("is_public") == "1",
        reported_agency=data.get("reported_agency", "")
        if data.get("petition_type") == PetitionType.REPORT
        else "",
        attachments=tuple(
            AttachmentInput(storage_key=f["key"], file_name=f["name"], content_type=f["type"], size=f["size"])
            for f in files
        ),
    )


@profile_required
def review_petition(request):
    """Check everything before it is filed; POST files it."""
    submission_id = request.POST.get("submission_id") if request.method == "POST" else request.GET.get("s")
    submission_id = submission_id or ""
    if request.method == "POST":
        # A second click (or a resubmitted page) after filing: show the first receipt.
        done = _owned_index(request.user, submission_id)
        if done is not None:
            return redirect("portal:file_receipt", case_uuid=done.case_uuid)
    draft = _draft(request, submission_id)
    if draft is None or not draft["data"]:
        messages.info(request, _("请先填写信访事项。"))
        return redirect("portal:file")
    form = PetitionForm(draft["data"])
    if not form.is_valid():
        return _render_form(request, form, submission_id, draft, status=400)
    agency = _agency(draft["agency"])
    if request.method == "POST":
        files = _files(request, submission_id)
        missing = [f for f in files if not default_storage.exists(f["key"])]
        if missing:
            # Never file a petition whose attachments silently went missing: say so and ask again.
            for lost in missing:
                drop_draft_upload(request.user, uuid.UUID(submission_id), lost["token"])
            messages.error(
                request,
                _("以下附件已失效，请重新上传后再提交：%(names)s")
                % {"names": "、".join(f["name"] for f in missing)},
            )
            return redirect(_form_url(submission_id))
        try:
            snapshot = petitioner_snapshot(request.user)
            result = submit_petition(
                actor=Actor.citizen(request.user, ip=client_ip(request)),
                filed_with=agency,
                petition=_petition_input(draft, files),
                petitioner=PetitionerInput(**snapshot),
                submission_id=uuid.UUID(submission_id),
            )
        except ProfileRequired:
            return redirect(
                f"{reverse('accounts:profile')}?{urlencode({'next': _review_url(submission_id)})}"
            )
        except HallError as exc:
            for field, problem in exc.details.get("fields", {}).items():
                form.add_error(field if field in form.fields else None, problem)
            if exc.details.get("fields"):
                return _render_form(request, form, submission_id, draft, status=400)
            messages.error(request, str(exc))
            return redirect(_review_url(submission_id))
        release_staged(f["key"] for f in files)
        _drafts(request).pop(submission_id, None)
        request.session.modified = True
        return redirect("portal:file_receipt", case_uuid=result.case_uuid)
    data = form.cleaned_data
    reported = None
    if data.get("reported_agency"):
        reported = reportable_agencies().filter(code=data["reported_agency"]).first()
    return render(
        request,
        "public_site/file_review.html",
        {
            "submission_id": submission_id,
            "agency": agency,
            "data": data,
            "type_label": PetitionType(data["petition_type"]).label,
            "reported": reported,
            "files": _files(request, submission_id),
            "profile": profile_for(request.user),
            "similar": similar_open_petitions(request.user, data["title"]),
            "edit_url": _form_url(submission_id),
        },
    )


def _owned_index(user, submission_id: str) -> CaseIndex | None:
    try:
        case_uuid = uuid.UUID(str(submission_id))
    except ValueError:
        return None
    return CaseIndex.objects.filter(case_uuid=case_uuid, citizen=user).first()


@profile_required
def receipt(request, case_uuid, *, printable: bool = False):
    """The receipt; ``printable`` is the page made for paper, with the look-up link as a QR code."""
    try:
        view = case_for_citizen(request.user, case_uuid)
    except NotFound:
        raise Http404 from None
    linked = None
    if view.index.linked_to:
        linked = CaseIndex.objects.filter(case_uuid=view.index.linked_to, citizen=request.user).first()
    lookup = lookup_link(request, view.index.tracking_number)
    return render(
        request,
        "public_site/file_receipt_print.html" if printable else "public_site/file_receipt.html",
        {
            "lookup_url": lookup,
            "qr_svg": qr_svg(lookup) if printable else "",
            "routing_notice": report_routing_notice(
                view.case,
                filed_with_name=view.index.filed_with.display_name(),
                handled_by_name=view.index.holder.display_name(),
            ),
            "view": view,
            "index": view.index,
            "case": view.case,
            # Shown to the owner only (case_for_citizen checked it): needed to follow it without signing in.
            "query_code": decrypt_text(view.index.query_code_encrypted),
            "linked": linked,
            "is_linked": view.index.state == CaseState.LINKED,
            "is_final": view.index.state == CaseState.NOT_ACCEPTED
            and view.case.not_accepted_channel == "final",
        },
    )


@profile_required
def print_receipt(request, case_uuid):
    return receipt(request, case_uuid, printable=True)
