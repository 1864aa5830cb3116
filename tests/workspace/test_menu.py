"""Every staff page extends the one base with the workspace menu (issue 14 item 4): the agency
workspaces, their supervision inbox and calendar, and the oversight office's pages.

The URL names are read from the host's URL conf, so a new page that nobody lists here fails the test.
"""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cases.oversight import services as ovs_services
from cases.oversight.models import SupervisionKind
from cases.workspace.models import ReplyTemplate
from tests.cases.conftest import staff

MENU = 'id="workspace-menu"'

# Names that answer something other than a page: POST-only actions, files, the API, allauth's own.
NOT_PAGES = {
    "workspace:case_action",
    "workspace:member_add",
    "workspace:member_remove",
    "workspace:seal_remove",
    "workspace:seal_image",
    "workspace:responsibilities",
    "workspace:template_delete",
    "workspace:resend_delivery",
    "workspace:api_token_create",
    "workspace:api_token_revoke",
    "workspace:review_body",
    "workdays:delete",
    "oversight:kpis_xlsx",
    "oversight:kpis_csv",
    "oversight:case_open",
    "oversight:case_identity_open",
}
STAFF_NAMESPACES = {"workspace", "supervision", "workdays", "oversight"}


def _names(urlconf: str) -> set[str]:
    found: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace in STAFF_NAMESPACES:
                found.add(f"{namespace}:{p.name}")

    walk(get_resolver(urlconf).url_patterns)
    return found - NOT_PAGES


@pytest.fixture
def order_to_a(supervisor, oversight, agency_a, file_petition):
    case = file_petition(agency=agency_a)
    item = ovs_services.issue_supervision(
        actor=staff(supervisor, oversight),
        agency=agency_a,
        case_uuids=[case.case_uuid],
        kind=SupervisionKind.ORDER,
        message="请于期限内报告办理进展。",
        answer_due=timezone.localdate() + timedelta(days=10),
    )
    return case, item


def test_every_agency_workspace_page_has_the_menu(
    host_client, bureau, bureau_leader, agency_a, leader_a, order_to_a
):
    from accounts.models import Membership, Role

    Membership.objects.create(user=leader_a, agency=agency_a, role=Role.ADMIN)  # the seal is the admin's
    case, item = order_to_a
    template = ReplyTemplate.objects.create(agency=agency_a, title="物业", opinion="support", body="答复正文")
    agency_pages = {
        "workspace:home": "/",
        "workspace:inbox": "/inbox/",
        "workspace:intake": "/intake/",
        "workspace:case": f"/case/{case.case_uuid}/",
        "workspace:settings": "/settings/",
        "workspace:seal": "/settings/seal/",
        "workspace:template_new": "/settings/templates/new/",
        "workspace:template_edit": f"/settings/templates/{template.pk}/",
        "workspace:messages": "/messages/",
        "workspace:api_tokens": "/settings/tokens/",
        "supervision:inbox": "/supervision/",
        "supervision:item": f"/supervision/{item.pk}/",
    }
    bureau_pages = {
        "workspace:queue": "/queue/",
        "workspace:failed_deliveries": "/deliveries/failed/",
        "workdays:days": "/calendar/",
    }
    assert set(agency_pages) | set(bureau_pages) == _names("config.urls_agency")
    for client, pages in (
        (host_client(agency_a, leader_a), agency_pages),
        (host_client(bureau, bureau_leader), bureau_pages),
    ):
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, (name, url, response.status_code)
            assert MENU in response.content.decode(), f"{name} ({url}) has no workspace menu"
    # The menu links the calendar for the bureau's leader, and never a page the agency does not have.
    home = host_client(bureau, bureau_leader).get("/").content.decode()
    assert 'href="/calendar/"' in home and 'href="/supervision/"' in home
    assert 'href="/calendar/"' not in host_client(agency_a, leader_a).get("/").content.decode()


def test_every_oversight_page_has_the_menu(host_client, oversight, supervisor, order_to_a, agency_a):
    case, item = order_to_a
    client = host_client(oversight, supervisor)
    client.post(f"/cases/{case.case_uuid}/read/", {"reason": "督查核实"})
    pages = {
        "oversight:dashboard": "/",
        "oversight:search": "/search/?agency=" + agency_a.code,
        "oversight:case": f"/cases/{case.case_uuid}/",
        "oversight:case_identity": f"/cases/{case.case_uuid}/identity/",
        "oversight:read_log": "/reads/",
        "oversight:kpis": "/kpis/",
        "oversight:supervision_list": "/supervision/",
        "oversight:supervision_new": "/supervision/new/",
        "oversight:supervision_item": f"/supervision/{item.pk}/",
        "workdays:days": "/calendar/",
    }
    assert set(pages) == _names("config.urls_oversight")
    from tests.conftest import make_staff

    leader = make_staff("leader@dcs.test", oversight, "leader")
    for who in (client, host_client(oversight, leader)):
        for name, url in pages.items():
            if name == "workdays:days" and who is client:
                continue  # the calendar is for the office's admins and leaders
            response = who.get(url)
            assert response.status_code in (200, 404), (name, url, response.status_code)
            if response.status_code == 200:
                assert MENU in response.content.decode(), f"{name} ({url}) has no workspace menu"
    assert MENU in host_client(oversight, leader).get("/calendar/").content.decode()


def test_the_menu_is_not_on_the_portal(portal_client, citizen):
    portal_client.force_login(citizen)
    assert MENU not in portal_client.get("/").content.decode()
