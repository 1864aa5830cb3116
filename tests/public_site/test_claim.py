"""A citizen claims online a petition staff registered from a letter, visit or call (art. 21)."""

import pytest

from cases import services
from cases.index.models import CaseIndex
from cases.services import Actor, PetitionerInput
from tests.cases.conftest import load_case


@pytest.fixture
def letter(clerk, bureau, petition_input):
    return services.submit_petition(
        actor=Actor.staff(clerk, bureau),
        filed_with=bureau,
        petition=petition_input(),
        petitioner=PetitionerInput(name="王五", phone="13900000000"),
        channel="letter",
    )


def test_a_citizen_claims_a_letter_with_its_number_and_code(portal_client, citizen, letter):
    portal_client.force_login(citizen)
    assert portal_client.get("/mine/claim/").status_code == 200
    response = portal_client.post(
        "/mine/claim/", {"tracking_number": letter.tracking_number.lower(), "query_code": letter.query_code}
    )
    assert response.status_code == 302 and response["Location"] == f"/mine/{letter.case_uuid}/"
    assert CaseIndex.objects.get(case_uuid=letter.case_uuid).citizen == citizen
    case = load_case(letter.case_uuid)
    assert case.citizen_uuid == citizen.uuid and case.channel == "letter"
    page = portal_client.get(f"/mine/{letter.case_uuid}/").content.decode()
    assert "信访人在网上认领" in page or "认领" in page


def test_a_wrong_code_is_refused_and_counted(portal_client, citizen, letter):
    portal_client.force_login(citizen)
    response = portal_client.post(
        "/mine/claim/", {"tracking_number": letter.tracking_number, "query_code": "WRONG123"}
    )
    assert response.status_code == 404 and "编号或查询码不正确" in response.content.decode()
    assert CaseIndex.objects.get(case_uuid=letter.case_uuid).citizen is None


def test_a_claimed_or_online_petition_cannot_be_taken_by_someone_else(
    portal_client, citizen, other_citizen, letter, file_petition
):
    services.claim_petition(
        actor=Actor.citizen(citizen), tracking_number=letter.tracking_number, query_code=letter.query_code
    )
    online = file_petition()
    portal_client.force_login(other_citizen)
    for result in (letter, online):
        response = portal_client.post(
            "/mine/claim/", {"tracking_number": result.tracking_number, "query_code": result.query_code}
        )
        assert response.status_code == 404
        assert CaseIndex.objects.get(case_uuid=result.case_uuid).citizen == citizen


def test_claiming_needs_a_signed_in_citizen(portal_client, letter):
    assert portal_client.get("/mine/claim/").status_code == 302
