"""The GeoReport v2 resources as plain data: the service list, service definitions, service requests.

Services are the petition types × the agencies a citizen can file with (``complaint-gaj``: a
complaint to 公安局). A report of misconduct (检举控告) is not offered and never listed: its reporter's
identity and materials are protected (信访工作条例 arts. 30, 46), and a GeoReport server is by
design a public list; reports are filed on the portal.

A service request is a petition. Anyone reads what the portal publishes on its replies page (a public
petition with a reply, its title and reply with personal data removed: public_site.queries); a key
holder also reads the petitions filed with its key (and, a citizen's own app, the citizen's own), with
their full description and location. Nothing else, and never a petitioner's name, ID number or phone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from api.open311.keys import Open311Agent
from api.open311.models import Open311Request
from cases.index.models import CaseIndex
from cases.models import Case, CaseEvent, CaseState, PetitionType
from config import clock
from public_site.queries import case_holding_agencies, published_indexes, published_replies
from tenants.models import Agency

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json", "xml": "text/xml"}
# "Default query limit is a span of 90 days or first 1000 requests returned, whichever is smallest."
DEFAULT_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 1000
OFFERED_TYPES = tuple(t for t in PetitionType if t != PetitionType.REPORT)
_CODE = re.compile(r"^(?P<type>[a-z]+)-(?P<agency>[a-z0-9_-]{1,20})$")


# --- Services ------------------------------------------------------------------------------------


def service_code(petition_type: str, agency_code: str) -> str:
    return f"{petition_type}-{agency_code}"


def _service_name(petition_type: str, agency: Agency) -> str:
    return f"{PetitionType(petition_type).label} · {agency.display_name()}"


def find_service(code: str) -> tuple[str, Agency] | None:
    """The petition type and agency of a service code; None for anything not on the list."""
    match = _CODE.match(code or "")
    if match is None or match["type"] not in OFFERED_TYPES:
        return None
    agency = case_holding_agencies().filter(code=match["agency"]).first()
    return (match["type"], agency) if agency is not None else None


def services() -> list[dict]:
    """GET services: every offered type for every agency a citizen can file with."""
    rows = []
    for agency in case_holding_agencies():
        for petition_type in OFFERED_TYPES:
            rows.append(
                {
                    "service_code": service_code(petition_type, agency.code),
                    "service_name": _service_name(petition_type, agency),
                    "description": (agency.responsibilities or "")[:500],
                    "metadata": True,
                    "type": "realtime",
                    "keywords": ",".join(w for w in re.split(r"[\s,，、;；]+", agency.keywords or "") if w),
                    "group": agency.display_name(),
                }
            )
    return rows


def service_definition(code: str, agency: Agency) -> dict:
    """GET services/{code}: the petition's fields beyond the spec's own (title, people, publication)."""
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": _("不超过200字；不填时取描述的第一行"),
                "order": 1,
                "description": _("标题"),
            },
            {
                "variable": True,
                "code": "people_count",
                "datatype": "number",
                "required": False,
                "datatype_description": _("1以上的整数，默认为1"),
                "order": 2,
                "description": _("涉及人数"),
            },
            {
                "variable": True,
                "code": "is_public",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("默认不公开"),
                "order": 3,
                "description": _("是否同意公开处理意见（个人信息去除后）"),
                "values": [{"key": "0", "name": _("不公开")}, {"key": "1", "name": _("公开")}],
            },
            {
                "variable": True,
                "code": "id_number",
                "datatype": "string",
                "required": False,
                "datatype_description": _("仅工作人员系统代录来电时填写；公民本人的应用以实名信息为准"),
                "order": 4,
                "description": _("信访人身份证号码"),
            },
        ],
    }


# --- Service requests ----------------------------------------------------------------------------


def _own(agent: Open311Agent) -> Q:
    mine = Q(case_uuid__in=Open311Request.objects.filter(key=agent.key).values("case_uuid"))
    if not agent.is_staff_system:
        mine |= Q(citizen=agent.key.user)
    return mine


def visible_requests(agent: Open311Agent | None) -> QuerySet[CaseIndex]:
    """What ``agent`` (None: anyone) may read: the published petitions, and the key holder's own."""
    scope = Q(pk__in=published_indexes().values("pk"))
    if agent is not None:
        scope |= _own(agent)
    return (
        CaseIndex.objects.filter(scope)
        # Never a report, not even the key holder's own (arts. 30, 46).
        .exclude(petition_type=PetitionType.REPORT)
        .select_related("holder", "filed_with", "accepting_agency")
    )


class BadQuery(ValueError):
    pass


def _moment(text: str, name: str) -> datetime:
    from django.utils.dateparse import parse_date, parse_datetime

    # "+08:00" sent without URL encoding arrives as " 08:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text.strip())
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        day = parse_date(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
        if day is None:
            raise BadQuery(
                _("%(name)s 须为 W3C 日期时间格式，例如 2026-01-01T00:00:00+08:00。") % {"name": name}
            )
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()][:50]


def filter_requests(rows: QuerySet[CaseIndex], params) -> QuerySet[CaseIndex]:
    """The spec's filters. ``service_request_id`` (comma-delimited) overrides all the others."""
    ids = _codes(params.get("service_request_id", ""))
    if ids:
        return rows.filter(tracking_number__in=[i.upper() for i in ids])
    codes = _codes(params.get("service_code", ""))
    if codes:
        wanted = Q(pk__in=[])
        for code in codes:
            match = _CODE.match(code)
            if match is not None:
                wanted |= Q(petition_type=match["type"], filed_with__code=match["agency"])
        rows = rows.filter(wanted)
    statuses = set(_codes(params.get("status", "")))
    if statuses - {"open", "closed"}:
        raise BadQuery(_("status 只能是 open 或 closed（可用逗号分隔）。"))
    if statuses == {"open"}:
        rows = rows.filter(is_open=True)
    elif statuses == {"closed"}:
        rows = rows.filter(is_open=False)
    end = _moment(params["end_date"], "end_date") if params.get("end_date") else None
    start = _moment(params["start_date"], "start_date") if params.get("start_date") else None
    if start is None:
        # The spec's default span: the 90 days up to end_date (or now).
        try:
            start = (end or clock.now()) - DEFAULT_SPAN
        except OverflowError:
            raise BadQuery(
                _("%(name)s 须为 W3C 日期时间格式，例如 2026-01-01T00:00:00+08:00。") % {"name": "end_date"}
            ) from None
    rows = rows.filter(submitted_at__gte=start)
    if end is not None:
        rows = rows.filter(submitted_at__lte=end)
    return rows


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _end_of(day: date | None) -> str:
    # A period "ends at 24:00 on its last day" (民法典 art. 203): the last second of that day.
    if day is None:
        return ""
    return _iso(timezone.make_aware(datetime.combine(day, time(23, 59, 59))))


def _own_cases(indexes: list[CaseIndex]) -> tuple[dict, dict]:
    """The cases and their latest citizen-visible step, one pair of queries per holding schema."""
    by_schema: dict[str, list] = defaultdict(list)
    for index in indexes:
        by_schema[index.holder.schema_name].append(index.case_uuid)
    cases, latest = {}, {}
    for schema_name, uuids in by_schema.items():
        with schema_context(schema_name):
            for case in Case.objects.filter(pk__in=uuids).only("id", "body", "location", "state"):
                cases[case.pk] = case
            events = (
                CaseEvent.objects.filter(case_id__in=uuids, visible_to_citizen=True)
                .order_by("case_id", "-seq")
                .distinct("case_id")
            )
            for event in events:
                latest[event.case_id] = event
    return cases, latest


def _status_note(index: CaseIndex, event: CaseEvent | None) -> str:
    state = str(CaseState(index.state).label)
    if event is None:
        return state
    step = f"{state}：{event.get_kind_display()}（{timezone.localdate(event.at).isoformat()}）"
    return f"{step} {event.message}".strip()[:2000]


def request_rows(indexes: list[CaseIndex], agent: Open311Agent | None) -> list[dict]:
    """GET requests: one dict per index, in the spec's field order. Published petitions show what the
    replies page shows (masked title and reply); the key holder's own show their description."""
    own_uuids: set = set()
    if agent is not None:
        own_uuids = set(
            CaseIndex.objects.filter(_own(agent), pk__in=[i.pk for i in indexes]).values_list(
                "case_uuid", flat=True
            )
        )
    own = [i for i in indexes if i.case_uuid in own_uuids]
    cases, latest = _own_cases(own)
    replies = {
        r.tracking_number: r for r in published_replies([i for i in indexes if i.case_uuid not in own_uuids])
    }
    rows = []
    for index in indexes:
        if index.case_uuid in own_uuids:
            case = cases.get(index.case_uuid)
            if case is None:
                continue
            description, address = case.body, case.location
            notes = _status_note(index, latest.get(index.case_uuid))
        else:
            reply = replies.get(index.tracking_number)
            if reply is None:  # not public in its schema after all: never shown
                continue
            description, address = reply.title, ""
            notes = f"{reply.opinion_label}：{reply.reply_text}" if reply.opinion_label else reply.reply_text
        agency = index.accepting_agency or index.holder
        rows.append(
            {
                "service_request_id": index.tracking_number,
                "status": "open" if index.is_open else "closed",
                "status_notes": notes,
                "service_name": _service_name(index.petition_type, index.filed_with),
                "service_code": service_code(index.petition_type, index.filed_with.code),
                "description": description,
                "agency_responsible": agency.display_name(),
                "service_notice": "",
                "requested_datetime": _iso(index.submitted_at),
                "updated_datetime": _iso(
                    index.updated_at if index.is_open else index.closed_at or index.updated_at
                ),
                "expected_datetime": _end_of(index.next_due) if index.is_open else "",
                "address": address,
                "address_id": "",
                "zipcode": "",
                "lat": "",
                "long": "",
                "media_url": "",
            }
        )
    return rows
