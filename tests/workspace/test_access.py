"""Role and tenant checks for every workspace view: an anonymous visitor, a citizen, staff of another
agency on this host, and this agency's staff reaching for another agency's case are each refused."""

import pytest

from tests.workspace.conftest import case_url

PAGES = ["/", "/inbox/", "/intake/", "/settings/", "/settings/templates/new/"]
BUREAU_PAGES = ["/queue/"]
POSTS = [
    "/settings/members/add/",
    "/settings/responsibilities/",
    "/settings/members/1/remove/",
    "/settings/templates/1/delete/",
]


@pytest.mark.parametrize("path", PAGES + BUREAU_PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(host_client, bureau, path):
    response = host_client(bureau).get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", PAGES + BUREAU_PAGES)
def test_citizen_is_refused_everywhere(host_client, bureau, citizen, path):
    response = host_client(bureau, citizen).get(path)
    assert response.status_code == 403
    assert "无权访问本单位工作台" in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_staff_of_another_agency_is_refused(host_client, agency_a, handler_b, path):
    assert host_client(agency_a, handler_b).get(path).status_code == 403


@pytest.mark.parametrize("path", POSTS)
def test_posts_refused_for_outsiders(host_client, agency_a, handler_b, citizen, path):
    assert host_client(agency_a, handler_b).post(path, {}).status_code == 403
    assert host_client(agency_a, citizen).post(path, {}).status_code == 403
    assert host_client(agency_a).post(path, {}).status_code == 302


def test_queue_exists_only_in_the_bureau(host_client, agency_a, handler_a):
    assert host_client(agency_a, handler_a).get("/queue/").status_code == 404


def test_case_pages_do_not_exist_in_the_oversight_workspace(host_client, oversight, supervisor, forwarded):
    client = host_client(oversight, supervisor)
    assert client.get("/inbox/").status_code == 404
    assert client.get(case_url(forwarded)).status_code == 404


def test_settings_are_for_admins_and_leaders(host_client, agency_a, handler_a, leader_a, admin_a):
    assert host_client(agency_a, handler_a).get("/settings/").status_code == 403
    assert host_client(agency_a, leader_a).get("/settings/").status_code == 200
    assert host_client(agency_a, admin_a).get("/settings/").status_code == 200
    # Members are changed by admins only.
    assert host_client(agency_a, leader_a).post("/settings/members/add/", {}).status_code == 403


def test_case_page_refusals(host_client, agency_a, agency_b, handler_a, handler_b, citizen, forwarded):
    url = case_url(forwarded)
    assert host_client(agency_a, handler_a).get(url).status_code == 200
    assert host_client(agency_a).get(url).status_code == 302
    assert host_client(agency_a, citizen).get(url).status_code == 403
    assert host_client(agency_a, handler_b).get(url).status_code == 403
    # On its own host, another agency's staff learn nothing: not found.
    assert host_client(agency_b, handler_b).get(url).status_code == 404


def _all_actions() -> list[str]:
    from cases.workspace.case_views import ACTIONS

    return sorted(ACTIONS)


@pytest.mark.parametrize("action", _all_actions())
def test_case_actions_refused_for_outsiders(
    host_client, agency_a, agency_b, handler_b, citizen, forwarded, action
):
    url = case_url(forwarded, action)
    assert host_client(agency_a).post(url, {}).status_code == 302
    assert host_client(agency_a, citizen).post(url, {}).status_code == 403
    assert host_client(agency_a, handler_b).post(url, {}).status_code == 403
    assert host_client(agency_b, handler_b).post(url, {}).status_code == 404


def test_unknown_action_is_not_found(host_client, agency_a, handler_a, forwarded):
    assert (
        host_client(agency_a, handler_a).post(case_url(forwarded, "delete_everything"), {}).status_code == 404
    )


def test_case_actions_need_post(host_client, agency_a, handler_a, forwarded):
    assert host_client(agency_a, handler_a).get(case_url(forwarded, "sign")).status_code == 405


def test_bureau_cannot_act_on_a_case_it_forwarded(host_client, bureau, clerk, forwarded):
    client = host_client(bureau, clerk)
    page = client.get(case_url(forwarded)).content.decode()
    assert "已转出此件" in page and "act/sign/" not in page
    response = client.post(case_url(forwarded, "sign"), {})
    assert response.status_code == 403  # the service refuses: the bureau is not the holder


def test_member_without_totp_is_sent_to_set_it_up(host_client, agency_a):
    from accounts.models import Membership, Role
    from tests.conftest import make_user

    user = make_user("no-totp@gaj.test")
    Membership.objects.create(user=user, agency=agency_a, role=Role.HANDLER)
    response = host_client(agency_a, user).get("/inbox/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")


@pytest.mark.parametrize("path", ["/supervision/", "/calendar/", "/api/v1/cases/"])
def test_other_workspace_pages_refuse_outsiders(host_client, bureau, agency_a, handler_b, citizen, path):
    anonymous = host_client(bureau).get(path)
    # Pages ask to sign in; the API answers 401 with its WWW-Authenticate challenge (bearer tokens).
    assert anonymous.status_code == (401 if path.startswith("/api/") else 302)
    assert host_client(bureau, citizen).get(path).status_code == 403
    assert host_client(agency_a, handler_b).get(path).status_code == 403
