"""Query-code guesses are limited per address and per (address, tracking number), never per tracking
number alone: an attacker cannot lock an owner out, nor guess a code (public_site.views)."""

import pytest
from django.core.cache import cache

from cases import services
from cases.index.models import CaseIndex
from cases.services import Actor, PetitionerInput
from public_site.views import LOOKUP_PER_ADDRESS

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.20"


def _look_up(client, result, code: str, address: str):
    return client.post(
        "/lookup/", {"tracking_number": result.tracking_number, "query_code": code}, REMOTE_ADDR=address
    )


def test_an_attackers_wrong_codes_do_not_block_the_owner_with_the_right_code(portal_client, file_petition):
    result = file_petition()
    statuses = {
        _look_up(portal_client, result, f"WRONG{attempt:03d}", ATTACKER).status_code for attempt in range(20)
    }
    assert statuses == {404, 429}  # the attacker's own address is stopped
    assert _look_up(portal_client, result, result.query_code, ATTACKER).status_code == 429
    owner = _look_up(portal_client, result, result.query_code, OWNER)
    assert owner.status_code == 200 and 'data-testid="state"' in owner.content.decode()


def test_a_citizen_who_mistypes_a_code_is_slowed_on_that_petition_only(portal_client, file_petition):
    first, second = file_petition(), file_petition(title="另一件信访事项的标题")
    for _attempt in range(5):
        assert _look_up(portal_client, first, "WRONG123", OWNER).status_code == 404
    blocked = _look_up(portal_client, first, first.query_code, OWNER)
    assert blocked.status_code == 429 and "请1小时后再试" in blocked.content.decode()
    assert _look_up(portal_client, second, second.query_code, OWNER).status_code == 200


def test_one_address_guessing_across_petitions_is_stopped_for_the_day(portal_client, file_petition):
    result = file_petition()
    for window in range(5):
        for attempt in range(10):
            number = f"SMX-2026-{window:03d}{attempt:03d}"
            response = portal_client.post(
                "/lookup/", {"tracking_number": number, "query_code": "WRONG123"}, REMOTE_ADDR=ATTACKER
            )
            assert response.status_code == 404
        # The 15-minute window passes (its counter expires); the day's counter stays.
        cache.delete(LOOKUP_PER_ADDRESS.key(ATTACKER))
    blocked = _look_up(portal_client, result, result.query_code, ATTACKER)
    assert blocked.status_code == 429 and "请24小时后再试" in blocked.content.decode()


@pytest.fixture
def letter(clerk, bureau, petition_input):
    return services.submit_petition(
        actor=Actor.staff(clerk, bureau),
        filed_with=bureau,
        petition=petition_input(),
        petitioner=PetitionerInput(name="王五", phone="13900000000"),
        channel="letter",
    )


def test_wrong_claims_by_someone_else_do_not_stop_the_owner_claiming(alice, bob, letter):
    for attempt in range(20):
        bob.post(
            "/mine/claim/",
            {"tracking_number": letter.tracking_number, "query_code": f"WRONG{attempt:03d}"},
            REMOTE_ADDR=ATTACKER,
        )
    response = alice.post(
        "/mine/claim/",
        {"tracking_number": letter.tracking_number, "query_code": letter.query_code},
        REMOTE_ADDR=OWNER,
    )
    assert response.status_code == 302
    assert CaseIndex.objects.get(case_uuid=letter.case_uuid).citizen.email == "alice@example.cn"
