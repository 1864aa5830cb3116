"""My petitions: the list, one page per petition, and what the citizen can do on it.

Every page looks the petition up through cases.access.case_for_citizen, which answers "not found"
for anything that is not the signed-in citizen's own: another citizen's petition is a 404 that says
nothing about it. Downloads are minted only after that check.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from django_tenants.utils import get_public_schema_name

from cases import procedure, queries
from cases.access import case_for_citizen
from cases.index.models import CaseIndex
from cases.models import CaseState, EventKind
from cases.services import (
    Actor,
    AttachmentInput,
    decline_review,
    effective_delivery,
    evaluate_case,
    record_portal_view,
    request_rereview,
    request_review,
)
from cases.supplements import add_supplement
from config.crypto import decrypt_text
from config.errors import HallError, NotFound
from filestore.services import download_url, release_staged, stage_upload, store_file, validate_upload
from public_site.forms import EvaluationForm, ReviewRequestForm, SupplementForm
from public_site.receipts import lookup_link, report_routing_notice
from public_site.views import client_ip

# What the next deadline means, in the citizen's words (cases.clocks kinds).
NEXT_STEP_LABELS = {
    "routing": gettext_lazy("信访局分流"),
    "acceptance": gettext_lazy("告知是否受理"),
    "handling": gettext_lazy("书面答复"),
    "review": gettext_lazy("出具复查意见"),
    "rereview": gettext_lazy("出具复核意见"),
    "review_request": gettext_lazy("您可申请复查至"),
    "rereview_request": gettext_lazy("您可申请复核至"),
}


def next_step(index: CaseIndex, *, today: date | None = None) -> tuple[str, date | None]:
    """The next date that matters to the citizen: the agency's next duty, or the citizen's own window."""
    today = today or timezone.localdate()
    # The windows are the procedure's (cases.procedure): the index carries the same state and dates.
    if procedure.window_open("request_review", index, today):
        return "review_request", index.review_request_due
    if procedure.window_open("request_rereview", index, today):
        return "rereview_request", index.rereview_request_due
    if index.next_due:
        return index.next_due_kind, index.next_due
    return "", None


def _document_label(document) -> str:
    """The document's name in the reader's language (the stored title is in whichever language was
    active when it was issued)."""
    from documents.models import DocumentKind

    return str(DocumentKind(document.kind).label) if document.kind in DocumentKind.values else document.title


def _view_or_404(request, case_uuid):
    try:
        return case_for_citizen(request.user, case_uuid)
    except NotFound:
        raise Http404 from None


@login_required
def my_petitions(request):
    page = Paginator(queries.citizen_petitions(request.user), 20).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = []
    for index in page.object_list:
        kind, due = next_step(index, today=today)
        rows.append(
            {
                "index": index,
                "next_label": NEXT_STEP_LABELS.get(kind, ""),
                "next_due": due,
                "days_left": (due - today).days if due else None,
                "colour": queries.deadline_colour(index, today=today) if kind == index.next_due_kind else "",
            }
        )
    return render(request, "public_site/my_petitions.html", {"page": page, "rows": rows})


def _windows(case, allowed: dict, today: date) -> dict:
    """Whether the review (复查, art. 35) or re-review (复核, art. 36) request window is open now, as
    cases.procedure declares it."""
    review_open = allowed["request_review"].allowed
    rereview_open = allowed["request_rereview"].allowed
    due = case.review_request_due if review_open else case.rereview_request_due if rereview_open else None
    return {
        "review_open": review_open,
        "rereview_open": rereview_open,
        "window_due": due,
        "window_days_left": (due - today).days if due else None,
    }


def _submitted_to(steps) -> str:
    """The body that received the petition when it was filed (the first step's agency)."""
    return next((step.agency_name for step in steps if step.kind == EventKind.SUBMITTED), "")


@login_required
def petition_detail(
    request,
    case_uuid,
    *,
    evaluation_form=None,
    review_form=None,
    supplement_form=None,
    error="",
    status=200,
):
    view = _view_or_404(request, case_uuid)
    # 送达 (arts. 35-36): the petitioner opening their petition receives what was published to them.
    if record_portal_view(
        case_uuid=view.index.case_uuid, actor=Actor.from_request(request), index=view.index
    ):
        view = _view_or_404(request, case_uuid)
    case = view.case
    today = timezone.localdate()
    steps = queries.timeline(view, for_citizen=True)
    allowed = procedure.allowed_actions(Actor.from_request(request), view.index, case, today)
    context = {
        # The owner's own code (case_for_citizen checked it): to follow the petition without signing in.
        "query_code": decrypt_text(view.index.query_code_encrypted),
        "lookup_url": lookup_link(request, view.index.tracking_number),
        "routing_notice": report_routing_notice(
            case,
            filed_with_name=view.index.filed_with.display_name(),
            handled_by_name=_submitted_to(steps) or view.index.holder.display_name(),
        ),
        "can_supplement": procedure.supplement_refusal(case) is None,  # its rule is declared there
        "supplement_form": supplement_form or SupplementForm(),
        "view": view,
        "index": view.index,
        "case": case,
        "steps": steps,
        "documents": [
            (doc, _document_label(doc), effective_delivery(doc, today)[0])
            for doc in queries.documents(view, for_citizen=True)
        ],
        "attachments": queries.attachments(view, viewer_agency=None),
        # The objection window is the agency's right against the bureau, nothing the citizen waits on.
        "deadlines": [d for d in queries.deadlines(view, today=today) if d.kind != "objection"],
        "can_evaluate": allowed["evaluate"].allowed,
        # arts. 35-36: the petitioner may close the matter by asking for no review; a rating never does.
        "can_decline": allowed["decline_review"].allowed,
        "evaluation_form": evaluation_form or EvaluationForm(),
        "review_form": review_form or ReviewRequestForm(),
        "action_error": error,
        **_windows(case, allowed, today),
    }
    return render(request, "public_site/petition_detail.html", context, status=status)


@login_required
@require_POST
def evaluate(request, case_uuid):
    _view_or_404(request, case_uuid)
    form = EvaluationForm(request.POST)
    if form.is_valid():
        try:
            evaluate_case(
                case_uuid=case_uuid,
                actor=Actor.from_request(request),
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except HallError as exc:
            return petition_detail(request, case_uuid, evaluation_form=form, error=str(exc), status=400)
        messages.success(request, _("感谢您的评价。"))
        return redirect("portal:petition", case_uuid=case_uuid)
    return petition_detail(request, case_uuid, evaluation_form=form, status=400)


@login_required
@require_POST
def decline(request, case_uuid):
    """The petitioner asks for no review (re-review): the matter closes now (arts. 35-36)."""
    _view_or_404(request, case_uuid)
    try:
        decline_review(case_uuid=case_uuid, actor=Actor.from_request(request))
    except HallError as exc:
        return petition_detail(request, case_uuid, error=str(exc), status=400)
    messages.success(request, _("信访事项已办结。"))
    return redirect("portal:petition", case_uuid=case_uuid)


@login_required
@require_POST
def ask_review(request, case_uuid):
    """复查 when the reply's window is open, 复核 when the review opinion's window is open."""
    view = _view_or_404(request, case_uuid)
    form = ReviewRequestForm(request.POST)
    if form.is_valid():
        action = request_rereview if view.case.state == CaseState.REVIEWED else request_review
        try:
            action(
                case_uuid=case_uuid,
                actor=Actor.from_request(request),
                reason=form.cleaned_data["reason"],
            )
        except HallError as exc:
            return petition_detail(request, case_uuid, review_form=form, error=str(exc), status=400)
        messages.success(request, _("申请已提交，将在30日内出具意见。"))
        return redirect("portal:petition", case_uuid=case_uuid)
    return petition_detail(request, case_uuid, review_form=form, status=400)


def stage_supplement_upload(upload) -> AttachmentInput:
    """Check and store one file of a supplement (the portal's page and the API both); HallError when
    refused. Staged: purged unless ``release_staged`` is called once the service has accepted it."""
    checked = validate_upload(upload)
    # Under the portal's prefix, as at filing: forwarding keeps keys, so no agency prefix stays right.
    key = store_file(
        schema_name=get_public_schema_name(), category="attachments", upload=upload, checked=checked
    )
    stage_upload(key)  # purged if the service refuses: nothing refers to it then
    return AttachmentInput(key, checked.display_name, checked.content_type, checked.size)


@login_required
@require_POST
def supplement(request, case_uuid):
    """补充材料: the owner adds text and/or files to an open petition (cases.supplements)."""
    _view_or_404(request, case_uuid)
    form = SupplementForm(request.POST, request.FILES)
    if not form.is_valid():
        return petition_detail(request, case_uuid, supplement_form=form, status=400)
    stored: list[AttachmentInput] = []
    try:
        for upload in request.FILES.getlist("attachments"):
            stored.append(stage_supplement_upload(upload))
        add_supplement(
            case_uuid=case_uuid,
            actor=Actor.citizen(request.user, ip=client_ip(request)),
            text=form.cleaned_data["text"],
            attachments=stored,
        )
    except HallError as exc:
        status = exc.status if 400 <= exc.status < 500 else 400
        return petition_detail(request, case_uuid, supplement_form=form, error=str(exc), status=status)
    release_staged(a.storage_key for a in stored)
    messages.success(request, _("补充材料已提交，办理单位会一并办理。"))
    return redirect("portal:petition", case_uuid=case_uuid)


@login_required
@require_safe
def download_document(request, case_uuid, document_id):
    view = _view_or_404(request, case_uuid)
    record_portal_view(case_uuid=view.index.case_uuid, actor=Actor.from_request(request), index=view.index)
    for document in queries.documents(view, for_citizen=True):
        if document.pk == document_id:
            if not document.is_ready:
                # Still rendering after the step that issued it (cases.services.documents).
                messages.info(request, _("文书正在生成，请稍后再下载。"))
                return redirect("portal:petition", case_uuid=case_uuid)
            key = queries.citizen_document_key(view, document)
            return redirect(download_url(key, filename=document.file_name))
    raise Http404


@login_required
@require_safe
def download_attachment(request, case_uuid, attachment_id):
    view = _view_or_404(request, case_uuid)
    for attachment in queries.attachments(view, viewer_agency=None):
        if attachment.pk == attachment_id:
            return redirect(download_url(attachment.storage_key, filename=attachment.file_name))
    raise Http404


@login_required
def claim(request):
    """认领: link a petition that staff registered from a letter, visit or call to this account."""
    from cases.services import Actor, claim_petition
    from public_site.forms import ClaimForm
    from public_site.views import guarded_code_check

    form = ClaimForm(request.POST or None)
    status = 200
    if request.method == "POST":
        actor = Actor.from_request(request)
        case_uuid, status = guarded_code_check(
            request,
            form,
            lambda tracking, code: claim_petition(actor=actor, tracking_number=tracking, query_code=code),
        )
        if case_uuid is not None:
            messages.success(request, _("认领成功，此件已加入“我的信访”。"))
            return redirect("portal:petition", case_uuid=case_uuid)
    return render(request, "public_site/claim.html", {"form": form}, status=status)
