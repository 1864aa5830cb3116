"""Agency workspace pages (bureau, departments, counties) on <code>.<portal domain>: home, queue, inbox and
intake here; the case page in case_views, settings in settings_views, the seal in seal_views.

Adapters only: every page checks membership and role (accounts.access.staff_required), reads a case
through cases.access, and changes it through exactly one cases.services call. A refused action shows the
service's message on the case page with what the user typed kept, under the error's HTTP status.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import staff_required
from accounts.models import Role, User
from cases import queries, services
from cases.oversight import queries as ovs_queries
from cases.workspace import forms
from cases.workspace import reads as ws_selectors
from cases.workspace.common import (
    ANY_STAFF,
    PAGE_SIZE,
    _actor,
    _colour_rows,
    _errors_to_form,
    _store_upload,
    bureau_only,
    case_holder_workspace,
)
from config import clock
from config.errors import HallError
from config.hall_request import HallRequest
from tenants.models import Agency, AgencyKind

# --- Home, queue, inbox -------------------------------------------------------------------------------


@staff_required()
def home(request: HallRequest[Agency]) -> HttpResponse:
    tenant = request.tenant
    # The roles by name, in the reader's language (Role's labels), not as codes.
    context: dict[str, Any] = {
        "roles": [Role(code).label for code in sorted(request.agency_roles) if code in Role.values],
        # Reminders and orders (催办、督办单) the agency has not answered yet, the earliest due first.
        "supervision": list(
            ovs_queries.supervision_items(agency=tenant, status="open").order_by("answer_due")[:20]
        ),
        "today": clock.today(),
    }
    if tenant.is_case_holder:
        today = clock.today()
        held = queries.agency_inbox(tenant)
        context.update(
            open_count=held.count(),
            overdue_count=held.filter(next_due__lt=today).count(),
            due_soon=_colour_rows(held.filter(next_due__isnull=False)[:5]),
            extension_requests=ws_selectors.extension_requests_with_reasons(tenant)
            if Role.LEADER in request.agency_roles
            else [],
        )
        if tenant.kind == AgencyKind.BUREAU:
            # The bureau is alerted, until staff enter the year, to deadlines counted over a year whose
            # holiday arrangement is not entered (workdays.statutory): city-wide, as the calendar is.
            provisional = queries.provisional_deadlines(today=today)
            context.update(
                provisional=provisional,
                calendar_url=_calendar_url(request, provisional),
                queue_count=ws_selectors.bureau_queue(tenant).count(),
                objections=list(ws_selectors.pending_objections(tenant)[:20]),
                reports=ws_selectors.pending_reports(tenant),
            )
    return render(request, "workspace/home.html", context)


def _calendar_url(request: HallRequest[Agency], provisional: queries.ProvisionalDeadlines) -> str:
    """The calendar page for the first year to enter, for those who keep the calendar (workdays.views)."""
    if not provisional.years or not request.agency_roles & {Role.ADMIN, Role.LEADER}:
        return ""
    return f"{reverse('workdays:days')}?year={provisional.years[0]}"


@staff_required()
@bureau_only
def queue(request: HallRequest[Agency]) -> HttpResponse:
    """The bureau's queue of new petitions, with search and filters (one paginated query)."""
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = ws_selectors.bureau_queue(
        request.tenant,
        state=filters.get("state", ""),
        petition_type=filters.get("petition_type", ""),
        channel=filters.get("channel", ""),
        text=filters.get("q", ""),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workspace/queue.html",
        {"form": form, "page": page, "rows": _colour_rows(page.object_list), "query": query.urlencode()},
    )


@staff_required()
@case_holder_workspace
def inbox(request: HallRequest[Agency]) -> HttpResponse:
    """Cases this agency holds, the next deadline first, coloured by deadline status."""
    sort = request.GET.get("sort", "due")
    if sort not in ws_selectors.INBOX_SORTS:
        sort = "due"
    mine = request.GET.get("mine") == "1"
    view_kind = request.GET.get("show", "open")
    if view_kind == "closed":
        rows = ws_selectors.closed_cases(request.tenant)
    else:
        rows = ws_selectors.inbox(request.tenant, sort=sort, handler=request.user if mine else None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    handlers = ws_selectors.handler_names(request.tenant, [r.case_uuid for r in page.object_list])
    rows_ctx = _colour_rows(page.object_list)
    for row in rows_ctx:
        row["handler"] = handlers.get(row["index"].case_uuid, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workspace/inbox.html",
        {
            "page": page,
            "rows": rows_ctx,
            "sort": sort,
            "mine": mine,
            "show": view_kind,
            "sorts": [
                ("due", _("按下一期限")),
                ("new", _("最新收到")),
                ("old", _("最早收到")),
                ("state", _("按状态")),
            ],
            "sent": ws_selectors.sent_cases(request.tenant) if view_kind == "sent" else [],
            "query": query.urlencode(),
        },
    )


# --- Intake: letters, visits and calls registered by staff (art. 21) ---------------------------------


INTAKE_FIELD_MAP = {"petitioner": "petitioner_name"}


@staff_required(*ANY_STAFF)
@case_holder_workspace
@require_http_methods(["GET", "POST"])
def intake(request: HallRequest[Agency]) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = _register_intake(request, form.cleaned_data)
            except HallError as exc:
                _errors_to_form(form, exc, INTAKE_FIELD_MAP)
                status = exc.status
            else:
                return render(request, "workspace/intake_done.html", {"result": result}, status=201)
        else:
            status = 400
    else:
        form = forms.IntakeForm()
    return render(request, "workspace/intake.html", {"form": form}, status=status)


def _register_intake(request: HallRequest[Agency], data: dict) -> services.SubmitResult:
    citizen = None
    if data["citizen_email"]:
        citizen = User.objects.filter(email__iexact=data["citizen_email"], is_active=True).first()
        if citizen is None:
            raise HallError(
                _("没有使用该邮箱的群众账户；可不填，由群众凭编号和查询码认领。"),
                code="citizen_not_found",
                fields={"citizen_email": _("没有使用该邮箱的账户。")},
            )
    attachments = []
    if data.get("attachment"):
        attachments.append(_store_upload(request, data["attachment"]))
    return services.submit_petition(
        actor=_actor(request),
        filed_with=request.tenant,
        citizen=citizen,
        channel=data["channel"],
        arrived_on=data.get("arrived_on"),
        petition=services.PetitionInput(
            petition_type=data["petition_type"],
            title=data["title"],
            body=data["body"],
            location=data["location"],
            people_count=data["people_count"],
            is_public=data["is_public"],
            reported_agency=data["reported_agency"],
            attachments=tuple(attachments),
        ),
        petitioner=services.PetitionerInput(
            name=data["petitioner_name"],
            id_number=data["petitioner_id_number"],
            phone=data["petitioner_phone"],
            address=data["petitioner_address"],
        ),
    )
