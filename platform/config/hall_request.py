"""The request as the hall's adapters see it: typed, so mypy checks the views and not only the services.

django-tenants' middleware sets ``request.tenant`` on every request; ``accounts.access.staff_required``
(and the API's staff permission) set ``request.agency_roles`` and let only a signed-in member through.
``HttpRequest`` knows neither, so a view annotated with it makes mypy guess. ``HallRequest`` is an
annotation only (the object is Django's own request): parametrise it with the tenant model, which lives
above platform/, e.g. ``HallRequest[Agency]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from django.http import HttpRequest

if TYPE_CHECKING:
    from accounts.models import User

TenantT = TypeVar("TenantT")


class HallRequest(HttpRequest, Generic[TenantT]):
    """A request to a staff view behind ``staff_required``: the host's tenant, the member and their
    roles in it."""

    tenant: TenantT
    agency_roles: set[str]
    user: User  # type: ignore[assignment]  # staff_required lets only a signed-in member through
