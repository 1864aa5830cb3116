"""The hall (home page) and the language switch."""

from cases.models import PetitionType
from tenants.models import AgencyKind


def test_home_explains_kinds_limits_and_ways_in(portal_client, city):
    page = portal_client.get("/").content.decode()
    for label in PetitionType.labels:
        assert str(label) in page
    assert "15日内" in page and "60日内" in page and "30日内申请复查" in page
    for path in ("/file/", "/mine/", "/lookup/", "/replies/", "/statistics/"):
        assert f'href="{path}' in page


def test_service_room_lists_every_department_and_county_with_a_filing_link(portal_client, city):
    page = portal_client.get("/").content.decode()
    holders = [a for a in city.values() if a.kind in (AgencyKind.DEPARTMENT, AgencyKind.COUNTY)]
    assert len(holders) == 28
    for agency in holders:
        assert agency.name_zh in page
        assert f"/file/?agency={agency.code}" in page
    assert "/file/?agency=dcs" not in page  # the oversight body takes no petitions


def test_english_switch_renders_the_hall_in_english(portal_client, city):
    portal_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = portal_client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Livelihood service room" in page
    assert "File with the petition bureau" in page
    assert "民生服务室" not in page
    assert city["gaj"].name_en in page


def test_header_shows_unread_count_for_a_signed_in_citizen(alice, registered):
    from notifications.models import Notification

    Notification.objects.create(user=registered, kind="submitted", subject="s", body="b")
    page = alice.get("/").content.decode()
    assert 'data-testid="inbox-link"' in page
    assert '<span class="unread-count"' in page and ">1</span>" in page


def test_anonymous_header_has_no_inbox(portal_client, city):
    assert 'data-testid="inbox-link"' not in portal_client.get("/").content.decode()
