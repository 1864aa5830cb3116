"""Personal data (ID number, phone, address): encrypted in every table that stores it, and shown with
the one set of masks (config.masking) on every surface; in full only where a handler needs it."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import CitizenProfile
from accounts.services import save_profile
from cases import services
from cases.models import Case
from config.crypto import decrypt_text, is_token
from config.masking import mask_address, mask_id_number, mask_name, mask_phone
from tests.cases.conftest import VALID_ID, staff

NAME = "张爱丽"
PHONE = "13800138000"
ADDRESS = "三门峡市湖滨区黄河路1号"  # what file_petition files with
MASKED_NAME, MASKED_ID = "张某某", "1101**********002X"
MASKED_PHONE, MASKED_ADDRESS = "138****8000", "三门峡市湖滨区****"


@pytest.fixture(autouse=True)
def _isolated(local_storage):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def accepted(file_petition, clerk, bureau, agency_a, handler_a):
    """A petition of 张爱丽's, forwarded by the bureau to 公安局 and accepted there."""
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    return result


def raw_case_row(agency, case_uuid) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        columns = "petitioner_id_number, petitioner_phone, petitioner_address"
        table = f'"{agency.schema_name}".cases_case'
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [case_uuid])  # noqa: S608
        return cursor.fetchone()


def _migration(app: str, name: str):
    return importlib.import_module(f"{app}.migrations.{name}")


# --- Encrypted at rest ------------------------------------------------------------------------------


def test_no_agency_copy_of_a_case_holds_plaintext_personal_data(accepted, bureau, agency_a):
    for agency in (bureau, agency_a):  # the bureau's stub and the holder's copy
        stored = raw_case_row(agency, accepted.case_uuid)
        joined = " ".join(stored)
        assert VALID_ID not in joined and PHONE not in joined and "黄河路" not in joined, agency.code
        assert all(is_token(value) for value in stored)
        assert [decrypt_text(value) for value in stored] == [VALID_ID, PHONE, ADDRESS]
    with schema_context(agency_a.schema_name):
        case = Case.objects.get(pk=accepted.case_uuid)
    assert (case.petitioner_phone, case.petitioner_address) == (PHONE, ADDRESS)


def test_the_profile_table_holds_no_plaintext_personal_data(citizen):
    save_profile(user=citizen, full_name=NAME, id_number=VALID_ID, phone=PHONE, address=ADDRESS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, phone, address FROM accounts_citizenprofile WHERE user_id = %s",
            [citizen.pk],
        )
        stored = cursor.fetchone()
    joined = " ".join(stored)
    assert VALID_ID not in joined and PHONE not in joined and "黄河路" not in joined
    assert [decrypt_text(value) for value in stored] == [VALID_ID, PHONE, ADDRESS]
    profile = CitizenProfile.objects.get(user=citizen)
    assert (profile.phone, profile.address) == (PHONE, ADDRESS)


def test_the_case_data_migration_encrypts_an_existing_plaintext_row(accepted, agency_a):
    table = f'"{agency_a.schema_name}".cases_case'
    with connection.cursor() as cursor:
        # A row as it was before the migration: phone and address in clear.
        cursor.execute(
            f"UPDATE {table} SET petitioner_phone = %s, petitioner_address = %s WHERE id = %s",  # noqa: S608
            [PHONE, ADDRESS, accepted.case_uuid],
        )
    migration = _migration("cases", "0004_encrypt_petitioner_phone_address")
    with schema_context(agency_a.schema_name), connection.schema_editor() as editor:
        migration.encrypt_existing(django_apps, editor)
    _id, phone, address = raw_case_row(agency_a, accepted.case_uuid)
    assert is_token(phone) and is_token(address) and PHONE not in phone and "黄河路" not in address
    assert (decrypt_text(phone), decrypt_text(address)) == (PHONE, ADDRESS)
    # Run twice (a re-run, or a row already encrypted): the tokens are left as they are.
    with schema_context(agency_a.schema_name), connection.schema_editor() as editor:
        migration.encrypt_existing(django_apps, editor)
    assert raw_case_row(agency_a, accepted.case_uuid)[1:] == (phone, address)


def test_the_profile_data_migration_encrypts_an_existing_plaintext_row(citizen):
    save_profile(user=citizen, full_name=NAME, id_number=VALID_ID, phone=PHONE, address=ADDRESS)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_citizenprofile SET phone = %s, address = %s WHERE user_id = %s",
            [PHONE, ADDRESS, citizen.pk],
        )
    migration = _migration("accounts", "0003_encrypt_profile_phone_address")
    with connection.schema_editor() as editor:
        migration.encrypt_existing(django_apps, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, address FROM accounts_citizenprofile WHERE user_id = %s", [citizen.pk])
        phone, address = cursor.fetchone()
    assert is_token(phone) and is_token(address)
    profile = CitizenProfile.objects.get(user=citizen)
    assert (profile.phone, profile.address) == (PHONE, ADDRESS)


# --- The same mask on every surface -----------------------------------------------------------------


def test_the_masks():
    assert mask_name(NAME) == MASKED_NAME and mask_id_number(VALID_ID) == MASKED_ID
    assert mask_phone(PHONE) == MASKED_PHONE and mask_address(ADDRESS) == MASKED_ADDRESS
    assert mask_phone("+86 138-0013-8000") == MASKED_PHONE and mask_phone("0398-2812345") == "0398-*******"
    assert mask_address("河南省三门峡市湖滨区黄河路12号3栋2单元501室") == "河南省三门峡市湖滨区****"
    assert mask_address("郑州市金水区花园路1号") == "郑州市金水区****" and mask_address("黄河路1号") == "****"
    assert mask_name("李博") == "李某" and mask_name("") == mask_phone("") == mask_address("") == ""


def test_the_holders_case_page_shows_the_contact_in_full_and_the_id_number_masked(
    accepted, host_client, agency_a, handler_a
):
    page = host_client(agency_a, handler_a).get(f"/case/{accepted.case_uuid}/").content.decode()
    assert NAME in page and PHONE in page and ADDRESS in page
    assert MASKED_ID in page and VALID_ID not in page


def test_lists_other_agencies_the_api_and_oversight_see_the_same_masks(
    accepted, host_client, agency_a, handler_a, bureau, clerk, supervisor
):
    def assert_masked(body: str, where: str, *, contact: bool = True) -> None:
        assert NAME not in body and VALID_ID not in body and PHONE not in body, where
        assert "黄河路" not in body, where
        assert MASKED_NAME in body, where
        if contact:
            assert MASKED_ID in body and MASKED_PHONE in body and MASKED_ADDRESS in body, where

    holder = host_client(agency_a, handler_a)
    assert_masked(holder.get("/inbox/").content.decode(), "workspace case list", contact=False)
    # The bureau keeps a stub after forwarding: it no longer needs to call the petitioner.
    stub = host_client(bureau, clerk).get(f"/case/{accepted.case_uuid}/").content.decode()
    assert_masked(stub, "the bureau's stub")
    detail = holder.get(f"/api/v1/cases/{accepted.case_uuid}/").json()
    assert detail["petitioner"] == {
        "name": MASKED_NAME,
        "id_number": MASKED_ID,
        "phone": MASKED_PHONE,
        "address": MASKED_ADDRESS,
        "protected": "",
    }
    oversight = host_client("dcs", supervisor)
    found = oversight.get("/search/", {"tracking_number": accepted.tracking_number}).content.decode()
    assert accepted.tracking_number in found
    assert_masked(found, "oversight search", contact=False)
    read = oversight.post(
        f"/cases/{accepted.case_uuid}/read/", {"reason": "督查核实"}, follow=True
    ).content.decode()
    assert_masked(read, "oversight read", contact=False)
    assert MASKED_ID in read
    for path in ("/kpis/ranking.csv",):
        export = oversight.get(path).content.decode("utf-8-sig")
        assert NAME not in export and PHONE not in export and VALID_ID not in export, path


def test_the_portal_shows_the_citizens_own_data_with_the_same_masks(portal_client, citizen):
    save_profile(user=citizen, full_name=NAME, id_number=VALID_ID, phone=PHONE, address=ADDRESS)
    portal_client.force_login(citizen)
    page = portal_client.get("/accounts/profile/").content.decode()
    summary = page.split('class="profile-summary"')[1].split("</dl>")[0]
    assert MASKED_PHONE in summary and MASKED_ADDRESS in summary and "4112" not in summary
    assert PHONE not in summary and "黄河路" not in summary


def test_the_identity_reveal_shows_the_contact_but_never_the_whole_id_number(
    file_petition, host_client, bureau, clerk, agency_b, supervisor
):
    report = file_petition(
        petition_type="report",
        title="检举住建局工作人员索要好处费",
        body="住建局某科室工作人员在办理房产证时向我索要好处费两千元，我有转账记录为证。",
        reported_agency=agency_b.code,
    )
    # Logged reads are POSTs that redirect to the page showing what was read (finding 6).
    workspace = host_client(bureau, clerk).post(
        f"/case/{report.case_uuid}/act/identity/", {"identity-purpose": "联系检举人核实情况"}, follow=True
    )
    oversight = host_client("dcs", supervisor).post(
        f"/cases/{report.case_uuid}/identity/read/", {"purpose": "核实检举人身份以便回访"}, follow=True
    )
    for response in (workspace, oversight):
        page = response.content.decode()
        assert response.status_code == 200 and NAME in page and PHONE in page and ADDRESS in page
        assert VALID_ID not in page
    assert MASKED_ID in workspace.content.decode()  # the oversight page leaves the number out


def test_notification_mails_mask_numbers_and_addresses_in_the_title(
    file_petition, citizen, django_capture_on_commit_callbacks
):
    from django.core import mail

    from notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        file_petition(title="黄河路1号楼下噪声扰民，请回电13800138000")
    note = Notification.objects.get(user=citizen)
    for text in (note.body, mail.outbox[-1].body):
        assert PHONE not in text and "黄河路" not in text
        assert f"****下噪声扰民，请回电{MASKED_PHONE}" in text  # 1号楼 is a building number
