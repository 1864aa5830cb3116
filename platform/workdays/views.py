"""The staff page that keeps the working-day calendar: list a year's days, add one, delete one.

The calendar is city-wide (one table in the public schema), so the page is offered only in the petition
bureau's and the oversight body's workspaces, to their administrators and leaders.
"""

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Protocol

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import staff_required
from config.errors import HallError
from config.hall_request import HallRequest
from workdays import rules
from workdays.forms import CalendarDayForm
from workdays.models import CalendarDay
from workdays.services import add_calendar_day, delete_calendar_day
from workdays.statutory import year_days


class CalendarKeeper(Protocol):
    """What the page needs of the host's tenant (tenants.models.Agency has it)."""

    @property
    def keeps_calendar(self) -> bool: ...


def calendar_keeper_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Administrators and leaders of the bureau or the oversight body; the page exists nowhere else."""

    @staff_required("admin", "leader")
    @wraps(view)
    def wrapped(request: HallRequest[CalendarKeeper], *args, **kwargs) -> HttpResponse:
        # The tenant says whether it keeps the calendar (tenants.models.Agency.keeps_calendar): the
        # calendar sits below the tenant registry and does not know the kinds of agency.
        if not request.tenant.keeps_calendar:
            raise Http404(_("本工作台不提供工作日历管理。"))
        return view(request, *args, **kwargs)

    return wrapped


def _year_from(value: str | None) -> int:
    try:
        year = int(value or "")
    except ValueError:
        return rules.local_today().year
    return year if 1950 <= year <= 2999 else rules.local_today().year


def _days_url(year: int) -> str:
    return f"{reverse('workdays:days')}?year={year}"


@calendar_keeper_required
@require_http_methods(["GET", "POST"])
def calendar_days(request: HallRequest[CalendarKeeper]) -> HttpResponse:
    year = _year_from(request.GET.get("year"))
    status = 200
    if request.method == "POST":
        form = CalendarDayForm(request.POST)
        if form.is_valid():
            day = form.cleaned_data["date"]
            try:
                add_calendar_day(
                    day=day,
                    kind=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                    acting_user=request.user,
                )
            except HallError as exc:
                form.add_error("date", str(exc))
            else:
                messages.success(request, _("已添加 %(date)s。") % {"date": day.isoformat()})
                return redirect(_days_url(day.year))
        status = 400
    else:
        form = CalendarDayForm()
    days = list(CalendarDay.objects.filter(date__year=year).select_related("created_by"))
    today = rules.local_today()
    entered_years = sorted(
        {d.year for d in CalendarDay.objects.dates("date", "year")} | {today.year, today.year + 1, year}
    )
    context = {
        "form": form,
        "year": year,
        "days": days,
        "years": entered_years,
        "year_missing": not days,
        # What counts for the year until it is entered: published, or the statutory holidays (provisional).
        "fallback": year_days(year) if not days else None,
    }
    return render(request, "workdays/calendar.html", context, status=status)


@calendar_keeper_required
@require_POST
def delete_day(request: HallRequest[CalendarKeeper], day: str) -> HttpResponse:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise Http404(_("日期格式不正确。")) from None
    try:
        delete_calendar_day(day=parsed, acting_user=request.user)
    except HallError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("已删除 %(date)s，该日恢复为普通的工作日或周末。") % {"date": parsed.isoformat()}
        )
    return redirect(_days_url(parsed.year))
