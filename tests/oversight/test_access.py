"""Who may reach the oversight pages and data: only the oversight body's supervisors, leaders, admins."""

import re

import pytest
from django.conf import settings

from accounts.models import Membership, Role
from cases.models import CaseEvent
from cases.oversight.models import OversightReadLog
from tests.conftest import HostClient, make_staff
from tests.oversight.conftest import load_case, open_case

PAGES = [
    "/",
    "/search/?text=物业",
    "/kpis/",
    "/kpis/ranking.xlsx",
    "/kpis/ranking.csv",
    "/supervision/",
    "/reads/",
]


def _oversight_host(oversight):
    return f"{oversight.code}.{settings.HALL_DOMAIN}"


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_sign_in(oversight, path):
    response = HostClient(_oversight_host(oversight)).get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_agency_staff_and_citizens_are_refused(oversight, handler_a, leader_a, citizen, path):
    for user in (handler_a, leader_a, citizen):
        client = HostClient(_oversight_host(oversight))
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 403, (user, path)
        assert b"SMX-" not in response.content


def test_an_oversight_member_without_a_supervising_role_is_refused(oversight):
    clerk = make_staff("clerk@dcs.test", oversight, Role.HANDLER)
    client = HostClient(_oversight_host(oversight))
    client.force_login(clerk)
    assert client.get("/kpis/").status_code == 403


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.LEADER, Role.ADMIN])
def test_supervising_roles_are_let_in(oversight, role):
    user = make_staff(f"{role}@dcs.test", oversight, role)
    client = HostClient(_oversight_host(oversight))
    client.force_login(user)
    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_oversight_pages_do_not_exist_on_an_agency_host(host_client, agency_a, handler_a, received_a):
    client = host_client(agency_a, handler_a)
    for path in ["/kpis/", "/kpis/ranking.xlsx", "/reads/", f"/cases/{received_a.case_uuid}/identity/"]:
        assert client.get(path).status_code == 404, path


def test_a_supervisor_is_no_member_of_an_agency(host_client, agency_a, supervisor):
    assert host_client(agency_a, supervisor).get("/supervision/").status_code == 403


def test_a_supervisors_membership_elsewhere_does_not_open_the_oversight_host(oversight, agency_a):
    user = make_staff("two-hats@gaj.test", agency_a, Role.LEADER)
    Membership.objects.create(user=user, agency=agency_a, role=Role.SUPERVISOR)
    client = HostClient(_oversight_host(oversight))
    client.force_login(user)
    assert client.get("/").status_code == 403


# --- Oversight cannot write to a case ------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_case_page_refuses_every_method_but_get(oversight_client, received_a, method):
    url = f"/cases/{received_a.case_uuid}/"
    response = getattr(oversight_client, method)(url, {"reason": "核查", "state": "closed"})
    assert response.status_code == 405
    assert load_case(received_a.case_uuid).state == "received"


def test_no_oversight_route_changes_a_case(oversight_client, received_a, agency_a):
    """POSTs anywhere under the oversight host leave the case record and its timeline untouched."""
    before = load_case(received_a.case_uuid)
    from django_tenants.utils import schema_context

    with schema_context(agency_a.schema_name):
        events_before = CaseEvent.objects.filter(case_id=received_a.case_uuid).count()
    for url in [
        f"/cases/{received_a.case_uuid}/",
        f"/cases/{received_a.case_uuid}/identity/",
        "/",
        "/search/",
        "/kpis/",
    ]:
        assert oversight_client.post(url, {"state": "closed", "reason": "x"}).status_code == 405, url
    after = load_case(received_a.case_uuid)
    assert (after.state, after.acceptance_due, after.title) == (
        before.state,
        before.acceptance_due,
        before.title,
    )
    with schema_context(agency_a.schema_name):
        assert CaseEvent.objects.filter(case_id=received_a.case_uuid).count() == events_before


def test_the_read_page_has_no_form_but_the_supervision_form(oversight_client, received_a):
    page = open_case(oversight_client, received_a.case_uuid, "月度抽查").content.decode()
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    forms = re.findall(r"<form[^>]*>", main)
    assert forms == ['<form method="post" action="/supervision/new/" aria-labelledby="supervise-h">']
    # and no link to any workspace action
    assert "/accept" not in main and "/reply" not in main


def test_reading_a_case_asks_for_a_reason_and_logs_it(oversight_client, received_a, supervisor, agency_a):
    url = f"/cases/{received_a.case_uuid}/"
    first = oversight_client.get(url)
    assert first.status_code == 200 and "查阅事由" in first.content.decode()
    assert "物业公司从今年起" not in first.content.decode()  # nothing of the case before the reason
    assert not OversightReadLog.objects.exists()
    assert oversight_client.post(f"{url}read/", {"reason": "  "}).status_code == 400
    assert not OversightReadLog.objects.exists()

    page = open_case(oversight_client, received_a.case_uuid, "群众来电反映办理缓慢", REMOTE_ADDR="10.1.2.3")
    assert page.status_code == 200
    text = page.content.decode()
    assert "物业公司从今年起" in text and received_a.tracking_number in text
    log = OversightReadLog.objects.get()
    assert (log.user, log.case_uuid, log.agency, log.reason, log.ip_address) == (
        supervisor,
        received_a.case_uuid,
        agency_a,
        "群众来电反映办理缓慢",
        "10.1.2.3",
    )
    open_case(oversight_client, received_a.case_uuid, "再次查阅")
    assert OversightReadLog.objects.count() == 2


def test_an_unknown_case_is_not_found(oversight_client):
    import uuid

    assert oversight_client.get(f"/cases/{uuid.uuid4()}/", {"reason": "x"}).status_code == 404
    assert oversight_client.post(f"/cases/{uuid.uuid4()}/read/", {"reason": "x"}).status_code == 404
    assert not OversightReadLog.objects.exists()


def test_a_reporters_identity_stays_masked_unless_read_with_a_purpose(
    oversight_client, file_petition, agency_a, agency_b, citizen
):
    from cases.index.models import IdentityReadLog

    report = file_petition(
        agency=agency_a,
        petition_type="report",
        title="检举住建局工作人员索要好处费",
        body="住建局某科室工作人员在办理房产证时向我索要好处费两千元，我有转账记录为证。",
        reported_agency=agency_b.code,
    )
    page = open_case(oversight_client, report.case_uuid, "核查检举件").content.decode()
    assert citizen.full_name not in page and "13800138000" not in page
    identity_url = f"/cases/{report.case_uuid}/identity/"
    assert citizen.full_name not in oversight_client.get(identity_url).content.decode()
    assert not IdentityReadLog.objects.exists()
    shown = oversight_client.post(
        f"{identity_url}read/", {"purpose": "核实检举人身份以便回访"}, follow=True
    ).content.decode()
    assert citizen.full_name in shown
    log = IdentityReadLog.objects.get()
    assert (log.agency_code, log.purpose) == ("dcs", "核实检举人身份以便回访")
