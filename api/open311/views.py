"""GeoReport v2 over HTTP: every resource in JSON and XML (``.json`` / ``.xml``), errors in the spec's
own shape (``[{"code": 404, "description": "..."}]``, ``<errors><error>…``).

Adapters only: reads go through api.open311.georeport, filing through cases.services.submit_petition
with the key's actor, so Open311 refuses what the portal refuses, with the portal's message. The key
travels as ``api_key`` (a form field of the POST, a query parameter of a GET), never a session: a
signed-in browser reads here only what anyone reads.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from xml.etree.ElementTree import Element, SubElement, tostring

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from api.open311 import georeport
from api.open311.keys import Open311Agent, open311_key_agent
from api.open311.models import Open311Request
from cases.index.models import CaseIndex
from cases.models import Channel
from cases.services import PetitionerInput, PetitionInput, submit_petition
from config.errors import HallError
from config.net import client_ip

# The day this implementation of the endpoint last changed (discovery's ``changeset``).
CHANGESET = "2026-12-02T00:00:00+08:00"
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# Characters XML 1.0 cannot carry, whatever the escaping: dropped from text before it is rendered.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- Rendering -----------------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", "" if value is None else force_str(value))


def _fill(element: Element, value) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(SubElement(element, key), inner)
    elif isinstance(value, list):
        for inner in value:
            _fill(SubElement(element, ITEM_TAGS[element.tag]), inner)
    else:
        element.text = _text(value)


def render(data, fmt: str, root: str, *, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        element = Element(root)
        _fill(element, data)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(
            element, encoding="utf-8", xml_declaration=False
        )
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, default=force_str),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def errors(fmt: str, status: int, *descriptions) -> HttpResponse:
    rows = [{"code": status, "description": force_str(d)} for d in descriptions]
    return render(rows, fmt if fmt in georeport.FORMATS else "json", "errors", status=status)


def _checked(fmt: str, request: HttpRequest, *methods: str) -> HttpResponse | None:
    """The spec's error for an unknown format or a method the resource does not answer."""
    if fmt not in georeport.FORMATS:
        return errors("json", 400, _("不支持的格式“%(f)s”，请使用 .json 或 .xml。") % {"f": fmt[:10]})
    if request.method not in methods:
        response = errors(fmt, 405, _("该资源不支持 %(m)s 请求。") % {"m": request.method})
        response["Allow"] = ", ".join(methods)
        return response
    jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if jurisdiction and jurisdiction.lower() != settings.HALL_DOMAIN:
        return errors(fmt, 404, _("本服务只受理辖区 %(j)s 的请求。") % {"j": settings.HALL_DOMAIN})
    return None


def _agent(request: HttpRequest) -> Open311Agent | None:
    return open311_key_agent(request.POST.get("api_key") or request.GET.get("api_key"))


# --- Resources -----------------------------------------------------------------------------------


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    if refused := _checked(fmt, request, "GET", "HEAD"):
        return refused
    data = {
        "changeset": CHANGESET,
        "contact": _("%(name)s 网上信访大厅") % {"name": settings.HALL_DOMAIN},
        "key_service": _("API 密钥由信访局签发：公民本人的应用使用个人密钥，工作人员系统使用本单位密钥。"),
        "endpoints": [
            {
                "specification": georeport.SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(georeport.FORMATS.values()),
            }
        ],
    }
    return render(data, fmt, "discovery")


def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if refused := _checked(fmt, request, "GET", "HEAD"):
        return refused
    return render(georeport.services(), fmt, "services")


def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if refused := _checked(fmt, request, "GET", "HEAD"):
        return refused
    found = georeport.find_service(code)
    if found is None:
        return errors(fmt, 404, _("没有代码为“%(c)s”的服务。") % {"c": code[:40]})
    return render(georeport.service_definition(code, found[1]), fmt, "service_definition")


def _page(request: HttpRequest) -> tuple[int, int]:
    try:
        page = int(request.GET.get("page") or 1)
        size = int(request.GET.get("page_size") or georeport.MAX_PAGE_SIZE)
    except ValueError:
        raise georeport.BadQuery(_("page 和 page_size 须为正整数。")) from None
    if page < 1 or not 1 <= size <= georeport.MAX_PAGE_SIZE:
        raise georeport.BadQuery(
            _("page 须不小于1，page_size 须在1至%(n)s之间。") % {"n": georeport.MAX_PAGE_SIZE}
        )
    return page, size


def _page_link(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


@csrf_exempt  # a key-authenticated machine interface: no session, so no cross-site request to forge
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if refused := _checked(fmt, request, "GET", "HEAD", "POST"):
        return refused
    if request.method == "POST":
        return _file(request, fmt)
    agent = _agent(request)
    if request.GET.get("api_key") and agent is None:
        return errors(fmt, 403, _("api_key 无效或已停用。"))
    try:
        page, size = _page(request)
        rows = georeport.filter_requests(georeport.visible_requests(agent), request.GET)
    except georeport.BadQuery as exc:
        return errors(fmt, 400, str(exc))
    total = rows.count()
    start = (page - 1) * size
    indexes = list(rows.order_by("-submitted_at", "-pk")[start : start + size])
    response = render(georeport.request_rows(indexes, agent), fmt, "service_requests")
    # Pagination (the GeoReport v2 page/page_size extension) in headers: the body stays the spec's list.
    links = []
    if start + size < total:
        links.append(f'<{_page_link(request, page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{_page_link(request, page - 1)}>; rel="prev"')
    if links:
        response["Link"] = ", ".join(links)
    response["X-Total-Count"] = str(total)
    return response


def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    if refused := _checked(fmt, request, "GET", "HEAD"):
        return refused
    agent = _agent(request)
    if request.GET.get("api_key") and agent is None:
        return errors(fmt, 403, _("api_key 无效或已停用。"))
    index = georeport.visible_requests(agent).filter(tracking_number=request_id.strip().upper()[:32]).first()
    rows = georeport.request_rows([index], agent) if index is not None else []
    if not rows:
        # Unpublished and not the key holder's own: as unknown as a number never issued.
        return errors(fmt, 404, _("找不到编号为“%(n)s”的服务请求。") % {"n": request_id[:32]})
    return render(rows, fmt, "service_requests")


def token(request: HttpRequest, token_id: str, fmt: str) -> HttpResponse:
    if refused := _checked(fmt, request, "GET", "HEAD"):
        return refused
    try:
        found = Open311Request.objects.filter(token=uuid.UUID(token_id)).first()
    except ValueError:
        found = None
    index = CaseIndex.objects.filter(case_uuid=found.case_uuid).first() if found else None
    if found is None or index is None:
        return errors(fmt, 404, _("找不到该令牌。"))
    return render(
        [{"service_request_id": index.tracking_number, "token": str(found.token)}], fmt, "service_requests"
    )


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = path.rpartition(".")[2] if "." in path else "json"
    return errors(fmt, 404, _("没有这个资源。"))


# --- Filing --------------------------------------------------------------------------------------


def _location(data) -> tuple[str, list[str]]:
    """The spec requires a location: lat and long, address_string or address_id."""
    address = (data.get("address_string") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    lat, long = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    if lat or long:
        try:
            if not (-90 <= float(lat) <= 90 and -180 <= float(long) <= 180):
                raise ValueError
        except ValueError:
            return "", [_("lat 和 long 须为 WGS84 经纬度（纬度 -90 至 90，经度 -180 至 180）。")]
    if address:
        return address, []
    if lat and long:
        return f"{lat},{long}", []
    if address_id:
        return address_id, []
    return "", [_("须提供地点：lat 和 long、address_string 或 address_id 之一。")]


def _people_count(text: str) -> int:
    try:
        return int(text or 1)
    except ValueError:
        return 0  # refused by the service with its own message


def _petition(data, petition_type: str, location: str) -> PetitionInput:
    body = (data.get("description") or "").strip()
    media = (data.get("media_url") or "").strip()
    if media:
        # Never fetched (a server-side request to any URL): kept in the text, so nothing sent is lost.
        body = f"{body}\n\n{_('附件链接')}：{media[:500]}"
    title = (data.get("attribute[title]") or "").strip() or (data.get("description") or "").strip().split(
        "\n"
    )[0][:30]
    return PetitionInput(
        petition_type=petition_type,
        title=title,
        body=body,
        location=location,
        people_count=_people_count(data.get("attribute[people_count]", "")),
        is_public=data.get("attribute[is_public]") == "1",
    )


def _petitioner(agent: Open311Agent, data) -> PetitionerInput:
    if not agent.is_staff_system:
        from accounts.services import petitioner_snapshot

        # A citizen's own app files as the citizen: the real-name profile, never what the app sends.
        return PetitionerInput(**petitioner_snapshot(agent.key.user))
    # Chinese names are written surname (last_name) first.
    name = f"{(data.get('last_name') or '').strip()}{(data.get('first_name') or '').strip()}"
    return PetitionerInput(
        name=name[:50],
        id_number=(data.get("attribute[id_number]") or "").strip(),
        phone=(data.get("phone") or "").strip()[:30],
    )


def _field_errors(exc: HallError) -> list[str]:
    fields = exc.details.get("fields") or {}
    problems = []
    for name, problem in fields.items():
        for text in problem if isinstance(problem, list) else [problem]:
            problems.append(f"{name}: {force_str(text)}")
    return problems or [str(exc)]


def _file(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    agent = _agent(request)
    if agent is None:
        return errors(fmt, 403, _("提交服务请求须提供有效的 api_key。"))
    code = (data.get("service_code") or "").strip()
    found = georeport.find_service(code) if code else None
    if found is None:
        return errors(
            fmt,
            400,
            _("请提供有效的 service_code（见 services 列表）。")
            if not code
            else _("没有代码为“%(c)s”的服务。") % {"c": code[:40]},
        )
    petition_type, agency = found
    location, problems = _location(data)
    if len((data.get("description") or "").strip()) == 0:
        problems.append(_("description: 请把事情经过和诉求写清楚（至少10个字）。"))
    if problems:
        return errors(fmt, 400, *problems)
    if agent.is_staff_system and not _petitioner_named(data):
        return errors(fmt, 400, _("工作人员系统代录时须提供信访人姓名（last_name、first_name）。"))
    try:
        with transaction.atomic():
            result = submit_petition(
                # The timeline and the audit log record where the request came from, as for the portal.
                actor=dataclasses.replace(agent.actor, ip=client_ip(request)),
                filed_with=agency,
                petition=_petition(data, petition_type, location),
                petitioner=_petitioner(agent, data),
                # A staff system registers calls (the 12345 hotline: 来电, art. 21).
                channel=Channel.PHONE if agent.is_staff_system else Channel.ONLINE,
            )
            filed = Open311Request.objects.create(key=agent.key, case_uuid=result.case_uuid)
    except HallError as exc:
        return errors(fmt, exc.status if 400 <= exc.status < 500 else 400, *_field_errors(exc))
    notice = _("已提交，编号 %(n)s。") % {"n": result.tracking_number}
    if result.linked_to:
        notice = _("该事项与正在办理的信访件相同，不作为新的信访事项受理，已关联到原件（第十九条）。")
    row = {
        "service_request_id": result.tracking_number,
        "token": str(filed.token),
        "service_notice": notice,
        "account_id": (data.get("account_id") or "")[:100],
    }
    return render([row], fmt, "service_requests", status=201)


def _petitioner_named(data) -> bool:
    return bool((data.get("last_name") or "").strip() or (data.get("first_name") or "").strip())
