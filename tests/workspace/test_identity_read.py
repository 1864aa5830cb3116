"""The workspace's read of a protected reporter's identity (信访工作条例 arts. 30, 46): a POST with a
CSRF token that logs once and redirects; the case page shows the identity while the session's grant
lasts, a reload does not log again, and the purpose never appears in a URL."""

import re

import pytest

from cases import read_grants
from cases.index.models import IdentityReadLog
from tenants.hosts import agency_host
from tests.conftest import HostClient, make_staff
from tests.workspace.conftest import case_url

REPORTER = "张爱丽"
PURPOSE = "核实举报线索"


@pytest.fixture
def report(file_petition):
    """A report against 公安局 (gaj), waiting at the bureau."""
    return file_petition(
        petition_type="report",
        title="举报公安局某民警违规收费",
        body="公安局某派出所民警在办理户口时索要好处费五百元，特此举报。",
        reported_agency="gaj",
    )


def _csrf_client(agency, user) -> HostClient:
    client = HostClient(agency_host(agency.code), enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _token(page) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match, "the page carries no CSRF token"
    return match.group(1)


def test_a_get_with_a_purpose_in_the_url_reads_nothing(host_client, bureau, clerk, report):
    client = host_client(bureau, clerk)
    page = client.get(case_url(report), {"identity-purpose": PURPOSE, "purpose": PURPOSE})
    assert page.status_code == 200 and REPORTER not in page.content.decode()
    assert client.get(case_url(report, "identity"), {"identity-purpose": PURPOSE}).status_code == 405
    assert not IdentityReadLog.objects.exists()


def test_an_identity_read_without_csrf_is_refused_and_not_logged(bureau, clerk, report):
    client = _csrf_client(bureau, clerk)
    response = client.post(case_url(report, "identity"), {"identity-purpose": PURPOSE})
    assert response.status_code == 403
    assert not IdentityReadLog.objects.exists()
    assert REPORTER not in client.get(case_url(report)).content.decode()


def test_an_identity_read_logs_once_redirects_and_a_reload_does_not_log_again(bureau, clerk, report):
    client = _csrf_client(bureau, clerk)
    token = _token(client.get(case_url(report)))
    response = client.post(
        case_url(report, "identity"), {"identity-purpose": PURPOSE, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"].startswith(case_url(report))
    assert "purpose" not in response["Location"] and PURPOSE not in response["Location"]
    assert REPORTER not in response.content.decode()
    for _reload in range(3):
        page = client.get(case_url(report))
        assert REPORTER in page.content.decode() and "no-store" in page["Cache-Control"]
    log = IdentityReadLog.objects.get()
    assert (log.user, log.agency_code, log.purpose) == (clerk, "xfj", PURPOSE)


def test_the_identity_goes_once_the_grant_expires(host_client, bureau, clerk, report, settings, monkeypatch):
    client = host_client(bureau, clerk)
    client.post(case_url(report, "identity"), {"identity-purpose": PURPOSE})
    assert REPORTER in client.get(case_url(report)).content.decode()
    stored = str(client.session[read_grants.SESSION_KEY])
    assert REPORTER not in stored  # encrypted in the session row
    later = read_grants._now() + settings.HALL_LOGGED_READ_SECONDS + 1
    monkeypatch.setattr(read_grants, "_now", lambda: later)
    assert REPORTER not in client.get(case_url(report)).content.decode()
    assert IdentityReadLog.objects.count() == 1


def test_a_colleague_or_the_case_after_forwarding_gets_no_identity(
    host_client, bureau, clerk, report, agency_b, citizen
):
    from cases import services
    from tests.cases.conftest import staff

    client = host_client(bureau, clerk)
    client.post(case_url(report, "identity"), {"identity-purpose": PURPOSE})
    colleague = host_client(bureau, make_staff("colleague@xfj.test", bureau, "handler"))
    assert REPORTER not in colleague.get(case_url(report)).content.decode()
    # Once the bureau no longer holds the case, its grant shows nothing any more.
    services.forward_case(case_uuid=report.case_uuid, actor=staff(clerk, bureau), target=agency_b)
    assert REPORTER not in client.get(case_url(report)).content.decode()
