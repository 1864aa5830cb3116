"""The oversight body's pages (督查), on its own host: read across every agency through the public
CaseIndex, KPIs and the 通报 ranking, reminders and supervision orders.

Adapters only. Nothing here changes a case: the case pages answer GET alone (any other method is
refused with 405), and the one write oversight makes, a supervision item, goes through
cases.oversight.services. Opening a case or a reporter's identity is a logged read: a POST with a CSRF
token records it and grants the session a short read (cases.read_grants), then redirects to the GET
page; the reason never travels in a URL.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import staff_required
from accounts.models import Role
from cases import access, queries, read_grants, services
from cases.index.models import CaseIndex
from cases.models import CaseState
from cases.oversight import charts, forms, kpis
from cases.oversight import queries as ovs
from cases.oversight import services as ovs_services
from cases.oversight.models import OversightReadLog, SupervisionItem
from config import clock
from config.errors import HallError, NotFound
from config.net import client_ip
from tenants.models import Agency, AgencyKind
from workdays.rules import current_calendar

OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)


def oversight_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A supervisor, leader or admin of the oversight body, on the oversight host."""

    @staff_required(*OVERSIGHT_ROLES)
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.tenant.kind != AgencyKind.OVERSIGHT:
            raise Http404(_("本页面仅供督查机构使用。"))
        return view(request, *args, **kwargs)

    return wrapped


def _actor(request: HttpRequest) -> services.Actor:
    return services.Actor.staff(request.user, request.tenant, ip=client_ip(request))


def _case_view(request: HttpRequest, case_uuid) -> access.CaseView:
    try:
        return access.case_for_oversight(case_uuid, viewer=request.tenant)
    except NotFound as exc:
        raise Http404(str(exc)) from None


def _agency_by_code(code: str) -> Agency | None:
    code = (code or "").strip().lower()
    if not code:
        return None
    return (
        Agency.objects.filter(code=code).exclude(kind__in=[AgencyKind.PORTAL, AgencyKind.OVERSIGHT]).first()
    )


# --- Dashboard and search ------------------------------------------------------------------------


def _calendar_url(request, years: list[int]) -> str:
    """The calendar page for the first year to enter, for those who keep it (workdays.views)."""
    if not years or not set(request.agency_roles) & {Role.ADMIN, Role.LEADER}:
        return ""
    return f"{reverse('workdays:days')}?year={years[0]}"


@oversight_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form = forms.DashboardForm(request.GET or None)
    filters = ovs.DashboardFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        period = None
        if data["date_from"] or data["date_to"]:
            today = clock.today()
            period = kpis.Period(data["date_from"] or today.replace(day=1), data["date_to"] or today)
        filters = ovs.DashboardFilters(
            agency=_agency_by_code(data["agency"]), petition_type=data["petition_type"], period=period
        )
    board = ovs.dashboard(filters)
    provisional = queries.provisional_deadlines()
    month_chart = charts.bar_chart(
        _("按月收件"), [(row["month"].strftime("%Y-%m"), row["received"]) for row in board.by_month]
    )
    type_chart = charts.bar_chart(
        _("按类型在办"), [(str(row["label"]), row["open"]) for row in board.by_type]
    )
    return render(
        request,
        "oversight/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "board": board,
            "month_chart": month_chart,
            "type_chart": type_chart,
            "roles": sorted(request.agency_roles),
            # Deadlines counted over a year whose holidays are not entered (workdays.statutory).
            "provisional": provisional,
            "calendar_url": _calendar_url(request, provisional.years),
        },
    )


@oversight_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    results, has_next, page = [], False, 1
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        query = ovs.CaseSearch(
            tracking_number=data["tracking_number"],
            petitioner=data["petitioner"],
            text=data["text"],
            agency=_agency_by_code(data["agency"]),
            state=data["state"],
            petition_type=data["petition_type"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            overdue_only=data["overdue_only"],
        )
        if data["agency"] and query.agency is None:
            form.add_error("agency", _("没有这个单位代码。"))
        elif not query.is_empty:
            try:
                page = min(max(int(request.GET.get("page", "1")), 1), 10_000)
            except ValueError:
                page = 1
            results, has_next = ovs.search_cases(query, page=page, viewer=request.tenant)
    params = request.GET.copy()
    params.pop("page", None)
    calendar = current_calendar()
    return render(
        request,
        "oversight/search.html",
        {
            "form": form,
            "results": [
                (row, queries.deadline_colour(row), calendar.is_provisional(row.next_due))
                if row.next_due
                else (row, queries.deadline_colour(row), False)
                for row in results
            ],
            "has_next": has_next,
            "page": page,
            "query_string": params.urlencode(),
        },
    )


# --- Reading a case (oversight changes nothing here) ---------------------------------------------


def _reason_page(request: HttpRequest, index: CaseIndex, form, *, status: int = 200) -> HttpResponse:
    return render(request, "oversight/case_reason.html", {"index": index, "form": form}, status=status)


@oversight_required
@require_GET
@never_cache
def case_read(request: HttpRequest, case_uuid) -> HttpResponse:
    """The case, while this session holds a grant from a logged read; otherwise the reason form."""
    view = _case_view(request, case_uuid)  # 404 for an unknown case
    grant = read_grants.granted_read(request, kind=read_grants.CASE_READ, case_uuid=view.index.case_uuid)
    if grant is None:
        # Every read is logged with its reason: ask for it first (nothing of the case shown yet).
        # A GET never logs: a link from another site must not make a read happen.
        return _reason_page(request, view.index, forms.ReasonForm())
    return render(
        request,
        "oversight/case_read.html",
        {
            "view": view,
            "case": view.case,
            "index": view.index,
            "reason": grant["reason"],
            "petitioner": services.petitioner_for_staff(view.case, request.tenant),
            "timeline": queries.timeline(view, for_citizen=False),
            "documents": queries.documents(view, for_citizen=False),
            "attachments": queries.attachments(view, viewer_agency=request.tenant),
            "deadlines": queries.deadlines(view),
            "supervision": ovs.supervision_for_case(view.index.case_uuid),
            "supervision_form": forms.SupervisionForm(
                initial={"tracking_numbers": view.index.tracking_number}
            ),
        },
    )


@oversight_required
@require_POST
def case_open(request: HttpRequest, case_uuid) -> HttpResponse:
    """Log one read with its reason, grant it to this session, and show the case by a redirect
    (a reload of the case page does not log again)."""
    view = _case_view(request, case_uuid)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        return _reason_page(request, view.index, form, status=400)
    try:
        log = ovs_services.log_case_read(
            actor=_actor(request), index=view.index, reason=form.cleaned_data["reason"]
        )
    except HallError as exc:
        form.add_error("reason", exc.message)
        return _reason_page(request, view.index, form, status=exc.status)
    read_grants.grant_read(
        request, kind=read_grants.CASE_READ, case_uuid=view.index.case_uuid, data={"reason": log.reason}
    )
    return redirect("oversight:case", case_uuid=view.index.case_uuid)


def _identity_page(request: HttpRequest, index: CaseIndex, form, identity, *, status: int = 200):
    return render(
        request,
        "oversight/case_identity.html",
        {"index": index, "form": form, "identity": identity},
        status=status,
    )


@oversight_required
@require_GET
@never_cache
def case_identity(request: HttpRequest, case_uuid) -> HttpResponse:
    """A protected reporter's identity while this session holds a grant from a logged read; otherwise
    the purpose form. A GET never reads the vault (arts. 30, 46)."""
    view = _case_view(request, case_uuid)
    identity = read_grants.granted_read(
        request, kind=read_grants.IDENTITY_READ, case_uuid=view.index.case_uuid
    )
    return _identity_page(request, view.index, forms.PurposeForm(), identity)


@oversight_required
@require_POST
def case_identity_open(request: HttpRequest, case_uuid) -> HttpResponse:
    """Read the identity through the core service that logs every read, then show it by a redirect."""
    view = _case_view(request, case_uuid)
    form = forms.PurposeForm(request.POST)
    if not form.is_valid():
        return _identity_page(request, view.index, form, None, status=400)
    try:
        identity = services.read_protected_identity(
            case_uuid=view.index.case_uuid, actor=_actor(request), purpose=form.cleaned_data["purpose"]
        )
    except HallError as exc:
        form.add_error("purpose", exc.message)
        return _identity_page(request, view.index, form, None, status=exc.status)
    read_grants.grant_read(
        request, kind=read_grants.IDENTITY_READ, case_uuid=view.index.case_uuid, data=identity
    )
    return redirect("oversight:case_identity", case_uuid=view.index.case_uuid)


@oversight_required
@require_GET
def read_log(request: HttpRequest) -> HttpResponse:
    rows = OversightReadLog.objects.select_related("user", "agency").order_by("-at")[:200]
    return render(request, "oversight/read_log.html", {"rows": rows})


# --- KPIs and the ranking ------------------------------------------------------------------------


def _ranking(request: HttpRequest):
    today = clock.today()
    period = kpis.Period.parse_month(request.GET.get("month", ""), default=today)
    sort = request.GET.get("sort", "on_time_completion")
    if sort not in kpis.KPI_KEYS:
        sort = "on_time_completion"
    definitions, rows = kpis.ranking(period, sort=sort, today=today)
    return period, sort, definitions, rows


@oversight_required
@require_GET
def kpi_ranking(request: HttpRequest) -> HttpResponse:
    period, sort, definitions, rows = _ranking(request)
    chosen = next(k for k in definitions if k.key == sort)
    chart_rows = rows[:30]
    chart = charts.bar_chart(
        str(chosen.label),
        [(row.agency_name, row.values[sort].value) for row in chart_rows],
        scale_max=100 if chosen.is_rate else None,
        unit="%" if chosen.is_rate else "",
    )
    table = [(row, [row.values[k.key] for k in definitions]) for row in rows]
    return render(
        request,
        "oversight/kpis.html",
        {
            "period": period,
            "sort": sort,
            "definitions": definitions,
            "table": table,
            "chosen": chosen,
            "chart": chart,
            "chart_truncated": len(rows) > len(chart_rows),
            "month": period.month_key,
        },
    )


def export_rows(definitions, rows) -> tuple[list[str], list[list]]:
    """Header and rows of the 通报 export: the ranking's rows, every KPI with its counts."""
    header = [_("名次"), _("单位代码"), _("单位")]
    for kpi in definitions:
        if kpi.is_rate:
            header += [f"{kpi.label}（%）", f"{kpi.label} {_('分子')}", f"{kpi.label} {_('分母')}"]
        else:
            header += [str(kpi.label), f"{kpi.label} {_('件数')}"]
    body = []
    for row in rows:
        line: list = [row.rank, row.agency_code, row.agency_name]
        for kpi in definitions:
            value = row.values[kpi.key]
            shown = float(value.value) if value.value is not None else None
            line += [shown, value.numerator, value.denominator] if kpi.is_rate else [shown, value.denominator]
        body.append(line)
    return [str(h) for h in header], body


def _cell_width(value) -> int:
    """Columns of a spreadsheet are counted in characters of its default font; a CJK character
    takes two."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _style_sheet(sheet, *, header_row: int, widest: int = 40) -> None:
    """Bold, wrapped headers frozen above the rows, and every column as wide as what it holds."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=header_row):
        for cell in row:
            widths[cell.column] = max(widths.get(cell.column, 0), _cell_width(cell.value))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), widest)


@oversight_required
@require_GET
def kpi_export_xlsx(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    period, sort, definitions, rows = _ranking(request)
    header, body = export_rows(definitions, rows)
    book = Workbook()
    sheet = book.active
    sheet.title = period.month_key
    sort_label = next((str(kpi.label) for kpi in definitions if kpi.key == sort), sort)
    sheet.append([_("信访工作通报"), str(period.label), _("排序指标"), sort_label])
    sheet.append(header)
    for line in body:
        sheet.append(line)
    _style_sheet(sheet, header_row=2)
    notes = book.create_sheet(_("指标口径"))
    notes.append([_("指标"), _("计算公式")])
    for kpi in definitions:
        notes.append([str(kpi.label), str(kpi.formula)])
    _style_sheet(notes, header_row=1, widest=60)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ranking-{period.month_key}.xlsx"'
    return response


@oversight_required
@require_GET
def kpi_export_csv(request: HttpRequest) -> HttpResponse:
    period, sort, definitions, rows = _ranking(request)
    header, body = export_rows(definitions, rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for line in body:
        writer.writerow(["" if cell is None else cell for cell in line])
    # A byte-order mark so that spreadsheet programs read the Chinese as UTF-8.
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ranking-{period.month_key}.csv"'
    return response


# --- Supervision ---------------------------------------------------------------------------------


@oversight_required
@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    form = forms.SupervisionFilterForm(request.GET)
    status, agency, code = "", None, 200
    if not form.is_valid():
        messages.error(request, _("筛选条件无效，已显示全部督办事项。"))
        code = 400
    else:
        status = form.cleaned_data["status"]
        agency = _agency_by_code(form.cleaned_data["agency"])
        if form.cleaned_data["agency"] and agency is None:
            messages.error(request, _("没有这个单位代码，已显示全部单位的督办事项。"))
            code = 400
    items = ovs.supervision_items(agency=agency, status=status)[:200]
    return render(
        request,
        "oversight/supervision_list.html",
        {"items": items, "status": status, "agency": agency, "today": clock.today()},
        status=code,
    )


@oversight_required
@require_http_methods(["GET", "POST"])
def supervision_new(request: HttpRequest) -> HttpResponse:
    """Issue a reminder or order on one or many cases; cases held by several agencies give one item
    per agency (each agency answers for its own cases)."""
    if request.method == "GET":
        initial = {"tracking_numbers": "\n".join(request.GET.getlist("n"))}
        form = forms.SupervisionForm(initial=initial)
        return render(request, "oversight/supervision_new.html", {"form": form})
    form = forms.SupervisionForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        found = {
            row.tracking_number: row
            for row in CaseIndex.objects.filter(tracking_number__in=data["tracking_numbers"]).select_related(
                "holder"
            )
        }
        missing = [n for n in data["tracking_numbers"] if n not in found]
        if missing:
            form.add_error("tracking_numbers", _("找不到这些信访件：%(n)s") % {"n": "、".join(missing)})
        else:
            by_agency: dict[int, list[CaseIndex]] = {}
            for number in data["tracking_numbers"]:
                by_agency.setdefault(found[number].holder_id, []).append(found[number])
            try:
                with transaction.atomic():
                    issued = [
                        ovs_services.issue_supervision(
                            actor=_actor(request),
                            agency=rows[0].holder,
                            case_uuids=[r.case_uuid for r in rows],
                            kind=data["kind"],
                            message=data["message"],
                            answer_due=data["answer_due"],
                        )
                        for rows in by_agency.values()
                    ]
            except HallError as exc:
                for name, message in (exc.details.get("fields") or {}).items():
                    form.add_error(name if name in form.fields else None, message)
                if not exc.details.get("fields"):
                    form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("已发出 %(count)s 份督办事项。") % {"count": len(issued)})
                if len(issued) == 1:
                    return redirect("oversight:supervision_item", item_id=issued[0].pk)
                return redirect(reverse("oversight:supervision_list"))
    return render(request, "oversight/supervision_new.html", {"form": form}, status=status)


@oversight_required
@require_GET
def supervision_item(request: HttpRequest, item_id) -> HttpResponse:
    item = get_object_or_404(
        SupervisionItem.objects.select_related("agency", "issued_by", "answered_by"), pk=item_id
    )
    return render(
        request,
        "oversight/supervision_item.html",
        {"item": item, "today": clock.today(), "states": dict(CaseState.choices)},
    )
