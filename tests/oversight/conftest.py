"""Oversight fixtures: hand-built CaseIndex rows for the KPI arithmetic, real cases for the pages."""

import itertools
import uuid
from datetime import date, datetime, time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cases import services
from cases.index.models import CaseIndex
from tests.cases.conftest import file_petition, load_case, petition_input, staff  # noqa: F401, F811
from tests.conftest import HostClient

_numbers = itertools.count(1)


def local(day: date, hour: int = 10) -> datetime:
    """An aware moment on ``day`` in the hall's time zone (Asia/Shanghai)."""
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def make_index(holder, **fields) -> CaseIndex:
    """One CaseIndex row without a case behind it: what the KPI queries read and nothing else."""
    defaults = {
        "case_uuid": uuid.uuid4(),
        "tracking_number": f"TST-2026-{next(_numbers):06d}",
        "query_code_encrypted": "x",
        "holder": holder,
        "filed_with": holder,
        "petition_type": "complaint",
        "channel": "online",
        "title": "测试信访件",
        "petitioner_name": "测试人",
        "state": "accepted",
        "is_open": True,
        "submitted_at": local(date(2026, 3, 1)),
    }
    defaults.update(fields)
    return CaseIndex.objects.create(**defaults)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _local_files(local_storage):
    return local_storage


@pytest.fixture
def oversight_client(oversight, supervisor) -> HostClient:
    """The supervisor, signed in on the oversight host."""
    client = HostClient(f"{oversight.code}.{settings.HALL_DOMAIN}")
    client.force_login(supervisor)
    return client


def open_case(client: HostClient, case_uuid, reason: str, **extra):
    """Open a case the way the reason form does (a POST, then the redirected GET): the shown page."""
    return client.post(f"/cases/{case_uuid}/read/", {"reason": reason}, follow=True, **extra)


@pytest.fixture
def received_a(file_petition, agency_a):  # noqa: F811
    """A petition filed straight with 公安局 (民生服务室): received, acceptance clock running."""
    return file_petition(agency=agency_a)


@pytest.fixture
def accepted_a(received_a, handler_a, agency_a):
    services.accept_case(case_uuid=received_a.case_uuid, actor=staff(handler_a, agency_a))
    return received_a


@pytest.fixture
def received_b(file_petition, agency_b, other_citizen):  # noqa: F811
    return file_petition(agency=agency_b, user=other_citizen, title="楼道堆放杂物无人清理")
