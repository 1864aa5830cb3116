"""The language switch: Simplified Chinese by default, English once the visitor asks for it."""

from django.conf import settings


def test_pages_are_in_chinese_by_default(portal_client):
    page = portal_client.get("/accounts/login/").content.decode()
    assert 'lang="zh-Hans"' in page
    assert "依据《信访工作条例》办理" in page


def test_switching_to_english_renders_pages_in_english(portal_client, citizen):
    response = portal_client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert portal_client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = portal_client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page
    assert "Handled under the Regulations on Petition Work" in page  # the hall's own layout
    assert "Sign In" in page  # allauth's page
    assert "依据《信访工作条例》办理" not in page

    portal_client.force_login(citizen)
    page = portal_client.get("/accounts/profile/").content.decode()
    assert "Real-name details" in page and "Resident ID number" in page
    assert "实名信息" not in page


def test_validation_messages_follow_the_chosen_language(portal_client, citizen):
    portal_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    portal_client.force_login(citizen)
    page = portal_client.post(
        "/accounts/profile/",
        {"full_name": "张爱丽", "id_number": "41120219900307123", "phone": "139", "address": "三门峡"},
    ).content.decode()
    assert "A resident ID number has 18 characters; you entered 17." in page
    assert "11-digit mainland China mobile number" in page


def test_switching_back_to_chinese(portal_client):
    portal_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    portal_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = portal_client.get("/accounts/login/").content.decode()
    assert 'lang="zh-Hans"' in page and "依据《信访工作条例》办理" in page


def test_workspace_refusal_page_is_translated(host_client, agency_b, handler_a):
    client = host_client(agency_b, handler_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "You cannot use this agency" in page
