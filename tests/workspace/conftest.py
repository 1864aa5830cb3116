"""Workspace fixtures: petitions at each stage, and clients signed in on an agency's host."""

import pytest
from django.core.cache import cache

from cases import services
from cases.models import RoutingMode
from tests.cases.conftest import file_petition, load_case, petition_input, staff  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    # LocaleMiddleware activates a request's language in the test's own thread and leaves it there;
    # later tests would write English labels (document titles) into their data.
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _local_files(local_storage):
    return local_storage


@pytest.fixture
def queued(file_petition):  # noqa: F811
    """A citizen's petition waiting in the bureau's queue."""
    return file_petition()


@pytest.fixture
def forwarded(queued, clerk, bureau, agency_a):
    services.forward_case(case_uuid=queued.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    return queued


@pytest.fixture
def accepted(forwarded, handler_a, agency_a):
    services.accept_case(case_uuid=forwarded.case_uuid, actor=staff(handler_a, agency_a))
    return forwarded


@pytest.fixture
def assigned(queued, clerk, bureau, agency_a):
    """交办 with a completion report required."""
    from datetime import timedelta

    from django.utils import timezone

    services.forward_case(
        case_uuid=queued.case_uuid,
        actor=staff(clerk, bureau),
        target=agency_a,
        mode=RoutingMode.ASSIGN,
        assignment_due=timezone.localdate() + timedelta(days=30),
        report_required=True,
    )
    return queued


def case_url(result, action: str = "") -> str:
    base = f"/case/{result.case_uuid}/"
    return f"{base}act/{action}/" if action else base


@pytest.fixture
def accepted_other(file_petition, clerk, bureau, agency_a, handler_a, other_citizen):  # noqa: F811
    """A second case at agency_a, accepted (its next deadline is the 60-day reply)."""
    result = file_petition(
        user=other_citizen,
        title="交警违章处罚有误",
        body="我的车辆被记录闯红灯，但当时我并未驾车经过该路口，请核实。",
    )
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    return result
