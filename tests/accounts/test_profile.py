"""The citizen's real-name profile: stored encrypted, shown masked, required before filing."""

import pytest
from django.db import connection
from django.http import HttpResponse

from accounts.access import profile_required
from accounts.models import CitizenProfile
from accounts.queries import profile_for
from accounts.services import (
    IdNumberTaken,
    InvalidProfile,
    ProfileRequired,
    petitioner_snapshot,
    save_profile,
)
from config.crypto import lookup_hash
from tests.accounts.test_identity import VALID_ID, VALID_ID_X


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The ID-number attempt counters live in the cache.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


PROFILE = {"full_name": "张爱丽", "phone": "13912345678", "address": "河南省三门峡市湖滨区崤山路1号"}


def _save(user, id_number=VALID_ID, **overrides):
    return save_profile(user=user, id_number=id_number, **{**PROFILE, **overrides})


def test_id_number_is_stored_encrypted_with_a_lookup_hash_and_a_hint(citizen):
    profile = _save(citizen)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, id_number_hash, id_number_last4 FROM accounts_citizenprofile "
            "WHERE user_id = %s",
            [citizen.pk],
        )
        encrypted, hashed, last4 = cursor.fetchone()
    assert VALID_ID not in encrypted and VALID_ID[:6] not in encrypted
    assert VALID_ID not in hashed
    assert hashed == lookup_hash(VALID_ID)
    assert last4 == "1237"
    assert profile.masked_id_number == "4112**********1237"
    assert profile_for(citizen) == profile


def test_snapshot_gives_the_case_core_the_decrypted_details(citizen):
    _save(citizen, id_number="11010519851215103x", phone="+86 139-1234-5678")
    assert petitioner_snapshot(citizen) == {
        "name": "张爱丽",
        "id_number": VALID_ID_X,
        "phone": "13912345678",
        "address": PROFILE["address"],
    }


def test_snapshot_without_a_profile_is_refused(citizen):
    with pytest.raises(ProfileRequired) as exc:
        petitioner_snapshot(citizen)
    assert exc.value.code == "profile_required"


def test_saving_also_sets_the_users_display_name(citizen):
    _save(citizen, full_name="张爱丽丽")
    citizen.refresh_from_db()
    assert citizen.full_name == "张爱丽丽"


def test_service_refuses_bad_fields_with_a_message_per_field(citizen):
    with pytest.raises(InvalidProfile) as exc:
        _save(citizen, id_number="411202199003071238", phone="12345", address=" ")
    fields = exc.value.details["fields"]
    assert set(fields) == {"id_number", "phone", "address"}
    assert not CitizenProfile.objects.filter(user=citizen).exists()


def test_first_save_needs_an_id_number(citizen):
    with pytest.raises(InvalidProfile) as exc:
        _save(citizen, id_number=None)
    assert "id_number" in exc.value.details["fields"]


def test_update_without_id_number_keeps_the_registered_one(citizen):
    _save(citizen)
    _save(citizen, id_number=None, phone="13800000000")
    snapshot = petitioner_snapshot(citizen)
    assert snapshot["id_number"] == VALID_ID and snapshot["phone"] == "13800000000"


def test_one_id_number_belongs_to_one_account(citizen, other_citizen):
    _save(citizen)
    with pytest.raises(IdNumberTaken):
        _save(other_citizen, id_number=VALID_ID.lower())
    assert not CitizenProfile.objects.filter(user=other_citizen).exists()


def test_profile_page_shows_the_number_masked_never_whole(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.post("/accounts/profile/", {**PROFILE, "id_number": VALID_ID}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "实名信息已保存" in page
    assert "4112**********1237" in page
    assert VALID_ID not in page
    page = portal_client.get("/accounts/profile/").content.decode()
    assert "4112**********1237" in page and VALID_ID not in page


def test_profile_page_shows_each_error_next_to_its_field_and_keeps_the_input(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.post(
        "/accounts/profile/", {**PROFILE, "id_number": "411202199003071238", "phone": "1391234"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_id_number_error"' in page and 'aria-invalid="true"' in page
    assert "校验位不正确" in page and "11位中国大陆手机号码" in page
    assert 'value="张爱丽"' in page  # what the citizen typed is kept
    assert not CitizenProfile.objects.filter(user=citizen).exists()


def test_profile_page_refuses_a_number_registered_by_someone_else(portal_client, citizen, other_citizen):
    _save(other_citizen)
    portal_client.force_login(citizen)
    response = portal_client.post("/accounts/profile/", {**PROFILE, "id_number": VALID_ID})
    assert response.status_code == 200
    # Refused without saying why: the page must not tell anyone that a number is registered.
    page = response.content.decode()
    assert "无法使用该身份证号码完成实名登记" in page
    assert "已由另一个账户" not in page and "已登记" not in page and "已注册" not in page
    assert not CitizenProfile.objects.filter(user=citizen).exists()


def _valid_ids(count: int) -> list[str]:
    from accounts.identity import id_check_char

    numbers = []
    for serial in range(count):
        first17 = f"41120219900307{serial:03d}"
        numbers.append(first17 + id_check_char(first17))
    return numbers


def test_id_numbers_tried_by_one_account_are_throttled(portal_client, citizen, other_citizen):
    numbers = _valid_ids(7)
    _save(other_citizen, id_number=numbers[0])
    portal_client.force_login(citizen)
    # Five numbers in a day, registered or free, each tells the account something.
    for number in numbers[:5]:
        assert portal_client.post("/accounts/profile/", {**PROFILE, "id_number": number}).status_code in (
            200,
            302,
        )
    response = portal_client.post("/accounts/profile/", {**PROFILE, "id_number": numbers[5]})
    assert response.status_code == 429 and "实名登记尝试次数过多" in response.content.decode()
    # The oracle no longer answers: a registered number gets the same throttled page as a free one.
    registered = portal_client.post("/accounts/profile/", {**PROFILE, "id_number": numbers[0]})
    assert registered.status_code == 429 and "无法使用该身份证号码" not in registered.content.decode()
    assert profile_for(citizen).id_number_hash == lookup_hash(numbers[4])
    # Keeping or resending one's own number does not count.
    assert portal_client.post("/accounts/profile/", {**PROFILE, "id_number": ""}).status_code == 302
    assert portal_client.post("/accounts/profile/", {**PROFILE, "id_number": numbers[4]}).status_code == 302


def test_id_numbers_tried_from_one_address_are_throttled_across_accounts(portal_client, other_citizen):
    from tests.conftest import make_user

    numbers = _valid_ids(32)
    _save(other_citizen, id_number=numbers[0])
    for index in range(30):
        portal_client.force_login(make_user(f"probe{index}@example.cn"))
        portal_client.post("/accounts/profile/", {**PROFILE, "id_number": numbers[index + 1]})
    portal_client.force_login(make_user("probe-last@example.cn"))
    response = portal_client.post("/accounts/profile/", {**PROFILE, "id_number": numbers[0]})
    assert response.status_code == 429
    # Another address is not affected.
    response = portal_client.post(
        "/accounts/profile/", {**PROFILE, "id_number": numbers[31]}, REMOTE_ADDR="198.51.100.20"
    )
    assert response.status_code == 302


def test_profile_page_returns_to_next_after_saving(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.post(
        "/accounts/profile/?next=/petitions/new/", {**PROFILE, "id_number": VALID_ID}
    )
    assert response.status_code == 302 and response["Location"] == "/petitions/new/"


def test_profile_page_ignores_an_off_site_next(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.post(
        "/accounts/profile/?next=https://evil.example/", {**PROFILE, "id_number": VALID_ID}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"


def test_profile_page_needs_sign_in(portal_client):
    response = portal_client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _file_petition_view(request):
    return HttpResponse("form")


@pytest.mark.urls("config.urls_public")
def test_profile_required_sends_a_citizen_without_profile_to_the_profile_page(rf, citizen):
    view = profile_required(_file_petition_view)
    request = rf.get("/petitions/new/?agency=gaj")
    request.user = citizen
    response = view(request)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/?next=%2Fpetitions%2Fnew%2F%3Fagency%3Dgaj"


@pytest.mark.urls("config.urls_public")
def test_profile_required_lets_a_registered_citizen_through(rf, citizen):
    _save(citizen)
    request = rf.get("/petitions/new/")
    request.user = citizen
    assert profile_required(_file_petition_view)(request).content == b"form"


@pytest.mark.urls("config.urls_public")
def test_profile_required_sends_anonymous_visitors_to_sign_in(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/petitions/new/")
    request.user = AnonymousUser()
    response = profile_required(_file_petition_view)(request)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
