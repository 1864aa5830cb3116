"""What every workspace page module shares: the actor behind a request, the decorators that keep a page
to the agencies it is for, and the adapters between uploads, errors and forms."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from cases import queries, services
from config import clock
from config.errors import HallError
from config.hall_request import HallRequest
from config.net import client_ip
from tenants.models import Agency, AgencyKind
from workdays.rules import current_calendar

ANY_STAFF = ("handler", "leader", "admin")
PAGE_SIZE = 25


def _ip(request: HallRequest[Agency]) -> str | None:
    return client_ip(request)


def _actor(request: HallRequest[Agency]) -> services.Actor:
    # The one adapter from a request to the acting person (staff of the host's agency here).
    return services.Actor.from_request(request)


def case_holder_workspace(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages about cases exist only in workspaces of agencies that hold cases (not oversight)."""

    @wraps(view)
    def wrapped(request: HallRequest[Agency], *args, **kwargs) -> HttpResponse:
        if not request.tenant.is_case_holder:
            raise Http404(_("本工作台不办理信访件。"))
        return view(request, *args, **kwargs)

    return wrapped


def bureau_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HallRequest[Agency], *args, **kwargs) -> HttpResponse:
        if request.tenant.kind != AgencyKind.BUREAU:
            raise Http404(_("只有信访局工作台提供此页面。"))
        return view(request, *args, **kwargs)

    return wrapped


def _colour_rows(rows) -> list[dict[str, Any]]:
    today = clock.today()
    calendar = current_calendar()
    return [
        {
            "index": row,
            "colour": queries.deadline_colour(row, today=today),
            "days_left": (row.next_due - today).days if row.next_due else None,
            # 暂定: counted over a year whose holidays are not entered yet (workdays.statutory).
            "provisional": bool(row.next_due) and calendar.is_provisional(row.next_due),
        }
        for row in rows
    ]


def _store_upload(request: HallRequest[Agency], upload) -> services.AttachmentInput:
    from filestore.services import store_file, validate_upload

    checked = validate_upload(upload)
    key = store_file(
        schema_name=request.tenant.schema_name, category="documents", upload=upload, checked=checked
    )
    return services.AttachmentInput(
        storage_key=key, file_name=checked.display_name, content_type=checked.content_type, size=checked.size
    )


def _errors_to_form(form, exc: HallError, field_map: dict[str, str] | None = None) -> None:
    fields = exc.details.get("fields") or {}
    for name, message in fields.items():
        target = (field_map or {}).get(name, name)
        form.add_error(target if target in form.fields else None, str(message))
    if not fields or exc.code != "invalid_petition":
        form.add_error(None, str(exc))
