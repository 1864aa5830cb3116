"""Portal pages anyone may open: the hall, the look-up by query code, published replies, statistics."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases import clocks
from cases.access import case_by_query_code
from cases.models import PetitionType
from cases.queries import timeline
from config import net, throttle
from config.errors import HallError
from public_site import figures as stats
from public_site.charts import Bar, bar_chart_svg
from public_site.forms import LookupForm, PeriodForm
from public_site.queries import bureau, published_indexes, published_replies, service_room_agencies

# Look-ups and claims by tracking number and query code: failed attempts (a wrong number or code).
# Tracking numbers are sequential (SMX-2026-000123), so anyone can name a petition; the limits are
# therefore never per tracking number alone, or an attacker could lock its owner out. They count per
# address and per (address, tracking number): the right code from an address that has not used up its
# own attempts always works. Guessing stays out of reach: a code is 8 symbols of 32 (2**40 codes), and
# the daily per-address cap holds even a million addresses to 5 * 10**7 guesses a day, ~30 years for an
# even chance at one petition's code.
LOOKUP_MAX_FAILURES = 10
LOOKUP_WINDOW_SECONDS = 15 * 60
LOOKUP_PER_ADDRESS = throttle.Limit(
    "lookup-address", LOOKUP_MAX_FAILURES, LOOKUP_WINDOW_SECONDS, _lazy("查询失败次数过多，请15分钟后再试。")
)
# The longer window: what one address may spend in a day across all tracking numbers.
LOOKUP_PER_ADDRESS_DAILY = throttle.Limit(
    "lookup-address-day", 50, 24 * 3600, _lazy("查询失败次数过多，请24小时后再试。")
)
# A citizen who mistypes their own code a few times is slowed on that petition only.
LOOKUP_PER_ADDRESS_AND_NUMBER = throttle.Limit(
    "lookup-address-number", 5, 3600, _lazy("查询失败次数过多，请1小时后再试。")
)


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


def _lookup_counters(request, tracking_number: str = "") -> list[tuple[throttle.Limit, str]]:
    address = net.rate_limit_address(request)
    counters = [(LOOKUP_PER_ADDRESS, address), (LOOKUP_PER_ADDRESS_DAILY, address)]
    if tracking_number:
        number = tracking_number.strip().upper()[:32]
        counters.append((LOOKUP_PER_ADDRESS_AND_NUMBER, f"{address}|{number}"))
    return counters


def lookup_blocked(request, tracking_number: str = "") -> throttle.Limit | None:
    return throttle.exceeded(_lookup_counters(request, tracking_number))


def count_lookup_failure(request, tracking_number: str = "") -> None:
    throttle.count(_lookup_counters(request, tracking_number))


def guarded_code_check(request, form, attempt, *, invalid_status: int = 400):
    """Run ``attempt(tracking_number, query_code)`` for a posted look-up or claim form, unless this
    address, or this address for this tracking number, has failed too often; a wrong number or code
    counts as a failure.

    Returns (result, status); on failure the form carries the message to show."""
    tracking = request.POST.get("tracking_number", "")
    limit = lookup_blocked(request, tracking)
    if limit is not None:
        form.add_error(None, str(limit.message))
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
    # ?n= comes from the receipt's QR code: the tracking number filled in, the query code typed.
    form = LookupForm(request.POST or None, initial={"tracking_number": request.GET.get("n", "")[:32]})
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
