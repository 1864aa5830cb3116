"""Oversight's logged reads (a case with its reason, a reporter's identity with its purpose) are POSTs
with a CSRF token, shown by a redirect: a cross-site link logs and shows nothing, a reload does not
log again, and the reason never appears in a URL (信访工作条例 arts. 30, 46)."""

import re

import pytest
from django.conf import settings

from cases import read_grants
from cases.index.models import IdentityReadLog
from cases.oversight.models import OversightReadLog
from tests.conftest import HostClient, make_staff

BODY = "物业公司从今年起"  # from the default petition's body
PURPOSE = "核实检举人身份以便回访"


def _csrf_client(oversight, user) -> HostClient:
    client = HostClient(f"{oversight.code}.{settings.HALL_DOMAIN}", enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _token(page) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match, "the form carries no CSRF token"
    return match.group(1)


@pytest.fixture
def report(file_petition, agency_a, agency_b):
    return file_petition(
        agency=agency_a,
        petition_type="report",
        title="检举住建局工作人员索要好处费",
        body="住建局某科室工作人员在办理房产证时向我索要好处费两千元，我有转账记录为证。",
        reported_agency=agency_b.code,
    )


def test_a_get_with_a_reason_in_the_url_logs_nothing_and_shows_nothing(oversight_client, received_a):
    response = oversight_client.get(f"/cases/{received_a.case_uuid}/", {"reason": "跨站链接"})
    text = response.content.decode()
    assert response.status_code == 200 and "查阅事由" in text
    assert BODY not in text and "跨站链接" not in text
    assert 'method="post"' in text and "csrfmiddlewaretoken" in text
    assert not OversightReadLog.objects.exists()


def test_the_read_endpoint_answers_post_only(oversight_client, received_a):
    assert oversight_client.get(f"/cases/{received_a.case_uuid}/read/", {"reason": "x"}).status_code == 405
    assert not OversightReadLog.objects.exists()


def test_a_read_without_a_csrf_token_is_refused_and_not_logged(oversight, supervisor, received_a):
    client = _csrf_client(oversight, supervisor)
    response = client.post(f"/cases/{received_a.case_uuid}/read/", {"reason": "伪造的跨站请求"})
    assert response.status_code == 403
    assert not OversightReadLog.objects.exists()
    assert BODY not in client.get(f"/cases/{received_a.case_uuid}/").content.decode()


def test_a_read_with_csrf_logs_once_redirects_and_a_reload_does_not_log_again(
    oversight, supervisor, received_a
):
    client = _csrf_client(oversight, supervisor)
    url = f"/cases/{received_a.case_uuid}/"
    token = _token(client.get(url))
    response = client.post(f"{url}read/", {"reason": "群众来电反映办理缓慢", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == url
    assert "reason" not in response["Location"] and "群众来电" not in response["Location"]
    assert OversightReadLog.objects.get().reason == "群众来电反映办理缓慢"
    for _reload in range(3):
        page = client.get(url)
        assert page.status_code == 200 and BODY in page.content.decode()
        assert "群众来电反映办理缓慢" in page.content.decode()  # the reason shown, from the session
        assert "no-store" in page["Cache-Control"]
    assert OversightReadLog.objects.count() == 1


def test_the_grant_expires_and_the_form_comes_back(oversight_client, received_a, monkeypatch):
    url = f"/cases/{received_a.case_uuid}/"
    assert BODY in oversight_client.post(f"{url}read/", {"reason": "月度抽查"}, follow=True).content.decode()
    later = read_grants._now() + settings.HALL_LOGGED_READ_SECONDS + 1
    monkeypatch.setattr(read_grants, "_now", lambda: later)
    page = oversight_client.get(url).content.decode()
    assert BODY not in page and "查阅事由" in page
    assert OversightReadLog.objects.count() == 1


def test_a_grant_is_for_one_case_only(oversight_client, received_a, received_b):
    oversight_client.post(f"/cases/{received_a.case_uuid}/read/", {"reason": "月度抽查"})
    page = oversight_client.get(f"/cases/{received_b.case_uuid}/").content.decode()
    assert BODY not in page  # both petitions share the default body: none of it is shown
    assert received_b.tracking_number in page and "csrfmiddlewaretoken" in page  # the form, again


def test_another_supervisors_session_gets_no_grant(oversight, oversight_client, received_a):
    oversight_client.post(f"/cases/{received_a.case_uuid}/read/", {"reason": "月度抽查"})
    colleague = HostClient(f"{oversight.code}.{settings.HALL_DOMAIN}")
    colleague.force_login(make_staff("colleague@dcs.test", oversight, "supervisor"))
    assert BODY not in colleague.get(f"/cases/{received_a.case_uuid}/").content.decode()


def test_agency_staff_cannot_post_a_read_on_the_oversight_host(oversight, handler_a, received_a):
    client = HostClient(f"{oversight.code}.{settings.HALL_DOMAIN}")
    client.force_login(handler_a)
    assert client.post(f"/cases/{received_a.case_uuid}/read/", {"reason": "x"}).status_code == 403
    assert client.post(f"/cases/{received_a.case_uuid}/identity/read/", {"purpose": "x"}).status_code == 403
    assert not OversightReadLog.objects.exists() and not IdentityReadLog.objects.exists()


def test_a_read_post_changes_nothing_of_the_case(oversight_client, received_a):
    from tests.oversight.conftest import load_case

    before = load_case(received_a.case_uuid)
    oversight_client.post(f"/cases/{received_a.case_uuid}/read/", {"reason": "核查", "state": "closed"})
    after = load_case(received_a.case_uuid)
    assert (after.state, after.title) == (before.state, before.title)


# --- The reporter's identity ---------------------------------------------------------------------


def test_an_identity_get_with_a_purpose_in_the_url_logs_and_shows_nothing(oversight_client, report, citizen):
    response = oversight_client.get(f"/cases/{report.case_uuid}/identity/", {"purpose": PURPOSE})
    text = response.content.decode()
    assert response.status_code == 200 and citizen.full_name not in text and PURPOSE not in text
    assert 'method="post"' in text
    assert oversight_client.get(f"/cases/{report.case_uuid}/identity/read/").status_code == 405
    assert not IdentityReadLog.objects.exists()


def test_an_identity_read_without_csrf_is_refused_and_not_logged(oversight, supervisor, report, citizen):
    client = _csrf_client(oversight, supervisor)
    response = client.post(f"/cases/{report.case_uuid}/identity/read/", {"purpose": PURPOSE})
    assert response.status_code == 403
    assert not IdentityReadLog.objects.exists()
    assert citizen.full_name not in client.get(f"/cases/{report.case_uuid}/identity/").content.decode()


def test_an_identity_read_with_csrf_logs_once_and_a_reload_does_not_log_again(
    oversight, supervisor, report, citizen
):
    client = _csrf_client(oversight, supervisor)
    url = f"/cases/{report.case_uuid}/identity/"
    token = _token(client.get(url))
    assert client.post(f"{url}read/", {"purpose": " ", "csrfmiddlewaretoken": token}).status_code == 400
    assert not IdentityReadLog.objects.exists()
    response = client.post(f"{url}read/", {"purpose": PURPOSE, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == url
    assert "purpose" not in response["Location"] and PURPOSE not in response["Location"]
    for _reload in range(2):
        page = client.get(url)
        assert citizen.full_name in page.content.decode() and "no-store" in page["Cache-Control"]
    log = IdentityReadLog.objects.get()
    assert (log.agency_code, log.purpose) == ("dcs", PURPOSE)


def test_the_identity_grant_is_kept_encrypted_in_the_session(oversight_client, report, citizen):
    oversight_client.post(f"/cases/{report.case_uuid}/identity/read/", {"purpose": PURPOSE})
    stored = str(oversight_client.session[read_grants.SESSION_KEY])
    assert citizen.full_name not in stored and "13800138000" not in stored


def test_an_identity_read_of_an_unknown_case_is_not_found(oversight_client):
    import uuid

    unknown = uuid.uuid4()
    assert oversight_client.get(f"/cases/{unknown}/identity/").status_code == 404
    assert oversight_client.post(f"/cases/{unknown}/identity/read/", {"purpose": PURPOSE}).status_code == 404
    assert not IdentityReadLog.objects.exists()
