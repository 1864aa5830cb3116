"""The case page of a workspace: every lawful action the member may take now, from the procedure's
declaration (cases.procedure) and the action registry (cases.actions); each runs one cases.services call."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from cases import procedure, queries, read_grants, services, wording
from cases.services.delivery import ADDRESSED_KINDS
from cases.workspace import forms
from cases.workspace import reads as ws_selectors
from cases.workspace.case_actions import ACTIONS, CaseContext
from cases.workspace.common import (
    _errors_to_form,
    case_holder_workspace,
)
from cases.workspace.models import ReplyTemplate
from config.errors import HallError

# --- The case page ----------------------------------------------------------------------------------


def _case_url(case_uuid) -> str:
    return reverse("workspace:case", kwargs={"case_uuid": case_uuid})


def _reply_initial(request: HttpRequest) -> dict[str, str]:
    template_id = request.GET.get("template", "")
    if not (template_id.isascii() and template_id.isdigit()):
        return {}
    template = ReplyTemplate.objects.filter(pk=int(template_id), agency=request.tenant).first()
    return {"opinion": template.opinion, "text": template.body} if template else {}


def _render_case(
    request: HttpRequest,
    ctx: CaseContext,
    *,
    bound: dict[str, forms.ActionForm] | None = None,
    identity: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    from filestore.services import download_url

    bound = bound or {}
    reply_initial = _reply_initial(request)
    actions = []
    for action in ACTIONS.values():
        if action.name not in bound and not action.available(ctx):
            continue
        initial = reply_initial if action.name in ("reply", "reply_directly") else None
        form = bound.get(action.name) or action.form(ctx=ctx, initial=initial, prefix=action.name)
        actions.append(
            {
                "action": action,
                "form": form,
                "hint": action.hint(ctx) if action.hint else "",
                "url": reverse(
                    "workspace:case_action", kwargs={"case_uuid": ctx.case.pk, "name": action.name}
                ),
            }
        )
    # Why an action this member could take is not open now (a window passed, a step still missing):
    # the procedure's reason, in the reader's language. Role and state refusals are not listed.
    blocked = [
        (action.label, str(answer.message))
        for action in ACTIONS.values()
        if isinstance(answer := ctx.allowed[action.name], procedure.Refusal)
        and answer.code not in procedure.NOT_FOR_THIS_VIEWER
    ]
    view = ctx.view
    # A generated document still rendering (cases.services.documents) is listed without a link.
    documents = [
        {
            "doc": d,
            "title": wording.document_title(d),
            "url": download_url(d.storage_key, filename=d.file_name) if d.is_ready else "",
            "delivered": (delivered := services.effective_delivery(d, ctx.today)[0]),
            "awaiting": delivered is None and d.kind in ADDRESSED_KINDS and d.visible_to_citizen,
        }
        for d in ctx.documents
    ]
    attachments = [
        {"att": a, "url": download_url(a.storage_key, filename=a.file_name)}
        for a in queries.attachments(view, viewer_agency=ctx.tenant)
    ]
    suggestions = []
    if ctx.allowed["route"].allowed:
        suggestions = ws_selectors.suggest_agencies(ctx.case)
    current_holder = view.index.holder if not ctx.holds else None
    deadlines = queries.deadlines(view)
    context = {
        "ctx": ctx,
        "blocked": blocked,
        "case": ctx.case,
        "index": view.index,
        "is_holder": ctx.holds,
        "current_holder": current_holder,
        "petitioner": services.petitioner_for_staff(ctx.case, ctx.tenant, contact=ctx.holds),
        "identity": identity,
        "deadlines": deadlines,
        "provisional_deadlines": any(d.provisional for d in deadlines),
        "documents": documents,
        "attachments": attachments,
        "timeline": queries.timeline(ctx.view, for_citizen=False, contact=ctx.holds),
        "notes": ws_selectors.notes(view) if ctx.holds else [],
        "actions": actions,
        "suggestions": suggestions,
        "templates": list(ReplyTemplate.objects.filter(agency=ctx.tenant))
        if any(a["action"].name in ("reply", "reply_directly") for a in actions)
        else [],
        "holder_case": ctx.holder_case,
        "colour": queries.deadline_colour(view.index) if ctx.holds else "",
    }
    return render(request, "workspace/case.html", context, status=status)


@staff_required()
@case_holder_workspace
@never_cache
def case_detail(request: HttpRequest, case_uuid) -> HttpResponse:
    ctx = CaseContext(request, case_uuid)
    identity = None
    if ACTIONS["identity"].available(ctx):
        # A reporter's identity, while the logged read (the identity action) granted this session.
        identity = read_grants.granted_read(request, kind=read_grants.IDENTITY_READ, case_uuid=ctx.case.pk)
    return _render_case(request, ctx, identity=identity)


@staff_required()
@case_holder_workspace
@require_POST
def case_action(request: HttpRequest, case_uuid, name: str) -> HttpResponse:
    action = ACTIONS.get(name)
    if action is None:
        raise Http404(_("没有这个操作。"))
    ctx = CaseContext(request, case_uuid)
    if action.multipart and not action.available(ctx):
        # The service would refuse it (and says precisely why for every other action); refusing an
        # upload action here keeps the files of a refused action out of storage.
        refused = ctx.allowed[action.name]
        messages.error(
            request,
            str(refused.message)
            if isinstance(refused, procedure.Refusal)
            else _("您现在不能对此信访件执行该操作。"),
        )
        return _render_case(request, ctx, status=409)
    form = action.form(request.POST, request.FILES, ctx=ctx, prefix=action.name)
    status = 400
    if form.is_valid():
        try:
            outcome = action.run(ctx, form.cleaned_data)
        except HallError as exc:
            _errors_to_form(form, exc)
            status = exc.status
        else:
            if isinstance(outcome, dict):
                # The protected identity (arts. 30, 46), read and logged once: granted to this session
                # for a few minutes, encrypted, and shown by a redirect so that a reload does not
                # read (and log) it again.
                read_grants.grant_read(
                    request, kind=read_grants.IDENTITY_READ, case_uuid=ctx.case.pk, data=outcome
                )
                return redirect(_case_url(ctx.case.pk) + "#petitioner-h")
            messages.success(request, str(outcome))
            return redirect(_case_url(ctx.case.pk))
    return _render_case(request, ctx, bound={name: form}, status=status)
