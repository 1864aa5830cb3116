"""Portal fixtures: citizens with a real-name profile, petitions at each stage, isolated storage."""

import pytest
from django.core.cache import cache

from accounts.services import save_profile
from cases import services
from tests.cases import conftest as case_fixtures
from tests.cases.conftest import VALID_ID, staff

# The case core's fixtures, shared with these tests.
file_petition = case_fixtures.file_petition
petition_input = case_fixtures.petition_input

# A second valid resident ID (GB 11643 check digit 4) for the other citizen.
OTHER_ID = "110101199003074514"

STATIC = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


@pytest.fixture(autouse=True)
def _isolated(local_storage):
    """Files to a throwaway folder; a fresh cache (the look-up counter) for every test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def registered(citizen):
    save_profile(
        user=citizen, full_name="张爱丽", id_number=VALID_ID, phone="13800138000", address="湖滨区黄河路1号"
    )
    return citizen


@pytest.fixture
def other_registered(other_citizen):
    save_profile(
        user=other_citizen, full_name="李博", id_number=OTHER_ID, phone="13900139000", address="陕州区2号"
    )
    return other_citizen


@pytest.fixture
def alice(portal_client, registered):
    portal_client.force_login(registered)
    return portal_client


@pytest.fixture
def bob(other_registered):
    from django.conf import settings

    from tests.conftest import HostClient

    client = HostClient(settings.HALL_DOMAIN)
    client.force_login(other_registered)
    return client


@pytest.fixture
def replied_case(file_petition, clerk, bureau, handler_a, agency_a):
    """A petition of alice's, forwarded to 公安局, accepted and replied."""
    result = file_petition(
        title="小区门口路灯坏了三个月", body="湖滨区某小区门口路灯坏了三个月无人修理，夜间出行很不安全。"
    )
    services.register_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau))
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.sign_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.reply_case(
        case_uuid=result.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="support",
        text="经核实，路灯已于本周修复。张爱丽女士如有疑问请拨打13800138000或0398-2812345联系。",
    )
    return result
