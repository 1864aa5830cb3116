"""The workspace speaks English when asked (msgids are the Chinese)."""

from django.conf import settings

from tests.workspace.conftest import case_url


def test_case_page_in_english(host_client, agency_a, handler_a, forwarded):
    client = host_client(agency_a, handler_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(case_url(forwarded)).content.decode()
    assert "Sign for receipt" in page and "Deadlines" in page and "Acceptance must be decided by" in page
    assert "签收" not in page.split("<aside")[1].split("</aside>")[0]


def test_refusal_message_in_english(host_client, agency_a, handler_a, forwarded):
    client = host_client(agency_a, handler_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(case_url(forwarded, "assign_handler"), {})
    assert response.status_code == 400 and "Choose a handler." in response.content.decode()
