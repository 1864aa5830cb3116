"""Portal pages anyone may open: the hall, the look-up by query code, published replies, statistics."""

from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from cases import clocks
from cases.access import case_by_query_code
from cases.models import PetitionType
from cases.queries import timeline
from config import net
from config.errors import HallError
from public_site import figures as stats
from public_site.charts import Bar, bar_chart_svg
from public_site.forms import LookupForm, PeriodForm
from public_site.queries import bureau, published_indexes, published_replies, service_room_agencies

# Look-ups by tracking number and query code: failed attempts allowed per address per window.
LOOKUP_MAX_FAILURES = 10
LOOKUP_WINDOW_SECONDS = 15 * 60


def client_ip(request) -> str:
    return net.client_ip(request) or "unknown"


def home(request):
    return render(
        request,
        "public_site/home.html",
        {
            "agencies": service_room_agencies(),
            "bureau": bureau(),
            "petition_types": PetitionType,
            "limits": {
                "routing": clocks.ROUTING_DAYS,
                "acceptance": clocks.ACCEPTANCE_DAYS,
                "handling": clocks.HANDLING_DAYS,
                "extension": clocks.MAX_EXTENSION_DAYS,
                "review_request": clocks.REVIEW_REQUEST_DAYS,
                "review": clocks.REVIEW_DAYS,
                "rereview_request": clocks.REREVIEW_REQUEST_DAYS,
                "rereview": clocks.REREVIEW_DAYS,
            },
        },
    )


def _lookup_keys(request, tracking_number: str = "") -> list[str]:
    keys = [f"portal:lookup-failures:ip:{client_ip(request)}"]
    if tracking_number:
        keys.append(f"portal:lookup-failures:case:{tracking_number.strip().upper()[:32]}")
    return keys


def lookup_blocked(request, tracking_number: str = "") -> bool:
    return any(cache.get(key, 0) >= LOOKUP_MAX_FAILURES for key in _lookup_keys(request, tracking_number))


def count_lookup_failure(request, tracking_number: str = "") -> None:
    """Failed look-ups and claims count per address and per tracking number, so a query code can be
    guessed neither from one address nor by spreading the guesses over many."""
    for key in _lookup_keys(request, tracking_number):
        if cache.add(key, 1, LOOKUP_WINDOW_SECONDS) is False:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, LOOKUP_WINDOW_SECONDS)


def guarded_code_check(request, form, attempt, *, invalid_status: int = 400):
    """Run ``attempt(tracking_number, query_code)`` for a posted look-up or claim form, unless this
    address or this tracking number has failed too often; a wrong number or code counts as a failure.

    Returns (result, status); on failure the form carries the message to show."""
    tracking = request.POST.get("tracking_number", "")
    if lookup_blocked(request, tracking):
        form.add_error(None, _("查询失败次数过多，请15分钟后再试。"))
        return None, 429
    if not form.is_valid():
        return None, invalid_status
    try:
        return attempt(form.cleaned_data["tracking_number"], form.cleaned_data["query_code"]), 200
    except HallError as exc:
        if exc.status == 404:
            count_lookup_failure(request, tracking)
        form.add_error(None, str(exc))
        return None, exc.status


def lookup(request):
    """Follow a petition without signing in: tracking number and query code, both required.

    Shows the state and the steps the citizen may see, never documents or personal data.
    """
    form = LookupForm(request.POST or None)
    result = steps = None
    status = 200
    if request.method == "POST":
        # An incomplete form is simply shown again with its errors (no failure counted).
        result, status = guarded_code_check(request, form, case_by_query_code, invalid_status=200)
        if result is not None:
            steps = timeline(result, for_citizen=True)
    return render(
        request, "public_site/lookup.html", {"form": form, "result": result, "steps": steps}, status=status
    )


def replies(request):
    page = Paginator(published_indexes(), 10).get_page(request.GET.get("page"))
    return render(
        request,
        "public_site/replies.html",
        {"page": page, "replies": published_replies(list(page.object_list))},
    )


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def statistics_page(request):
    start, end = PeriodForm.default_period()
    data = request.GET if "start" in request.GET or "end" in request.GET else None
    form = PeriodForm(data, initial={"start": start, "end": end, "metric": "received"})
    figures = totals = chart = None
    metric = "received"
    if data is None or form.is_valid():
        if data is not None:
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            metric = form.cleaned_data.get("metric") or "received"
        # The official KPIs (cases/oversight/kpis.py), the same numbers the oversight body ranks by.
        figures, totals = stats.statistics(start, end)
        labels = dict(form.fields["metric"].choices)
        is_rate = metric != "received"
        bars = []
        for f in figures:
            value = getattr(f, metric)
            bars.append(
                Bar(
                    label=f.name,
                    value=None if value is None else float(value),
                    shown=_percent(value) if is_rate else str(value),
                )
            )
        chart = bar_chart_svg(
            bars=bars,
            title=_("%(metric)s（%(start)s 至 %(end)s）")
            % {"metric": labels[metric], "start": start, "end": end},
            description=_("各单位%(metric)s的条形图，数据见下表。") % {"metric": labels[metric]},
            maximum=100.0 if is_rate else None,
        )
    return render(
        request,
        "public_site/statistics.html",
        {"form": form, "figures": figures, "totals": totals, "chart": chart, "start": start, "end": end},
    )
