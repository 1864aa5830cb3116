"""Agency settings: members and roles, reply templates, what the agency handles."""

import pytest

from accounts.models import Membership, Role
from cases.workspace import services as ws_services
from cases.workspace.models import ReplyTemplate
from config.errors import Forbidden, HallError
from tenants.models import Agency
from tests.conftest import make_user

BODY = "经调查核实，您反映的问题已按规定处理，现答复如下。"


def test_admin_adds_an_existing_user_with_a_role(host_client, agency_a, admin_a):
    newcomer = make_user("newcomer@example.cn", "新人")
    client = host_client(agency_a, admin_a)
    response = client.post("/settings/members/add/", {"email": "newcomer@example.cn", "role": "handler"})
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, agency=agency_a, role=Role.HANDLER).exists()
    response = client.post("/settings/members/add/", {"email": "newcomer@example.cn", "role": "handler"})
    assert response.status_code == 409 and "已具有此角色" in response.content.decode()
    response = client.post("/settings/members/add/", {"email": "ghost@example.cn", "role": "leader"})
    assert response.status_code == 404 and "ghost@example.cn" in response.content.decode()  # input kept
    response = client.post("/settings/members/add/", {"email": "newcomer@example.cn", "role": "supervisor"})
    assert response.status_code == 400  # supervisors belong to the oversight body


def test_last_admin_cannot_be_removed(host_client, agency_a, admin_a, handler_a):
    client = host_client(agency_a, admin_a)
    own = Membership.objects.get(user=admin_a, agency=agency_a, role=Role.ADMIN)
    response = client.post(f"/settings/members/{own.pk}/remove/")
    assert response.status_code == 409 and "最后一名管理员" in response.content.decode()
    other = Membership.objects.get(user=handler_a, agency=agency_a)
    assert client.post(f"/settings/members/{other.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=other.pk).exists()


def test_admin_cannot_remove_another_agencys_member(host_client, agency_a, admin_a, handler_b):
    foreign = Membership.objects.get(user=handler_b)
    assert host_client(agency_a, admin_a).post(f"/settings/members/{foreign.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_member_services_check_the_role_themselves(agency_a, agency_b, admin_a, handler_a):
    with pytest.raises(Forbidden):
        ws_services.add_member(acting_user=handler_a, agency=agency_a, email=handler_a.email, role="leader")
    with pytest.raises(Forbidden):  # an admin of one agency is nobody in another
        ws_services.add_member(acting_user=admin_a, agency=agency_b, email=handler_a.email, role="leader")


def test_templates_create_edit_delete(host_client, agency_a, leader_a, handler_a):
    client = host_client(agency_a, leader_a)
    response = client.post("/settings/templates/new/", {"title": "物业", "opinion": "", "body": "短"})
    assert response.status_code == 400 and "请选择处理意见" in response.content.decode()
    response = client.post("/settings/templates/new/", {"title": "物业", "opinion": "support", "body": BODY})
    assert response.status_code == 302
    template = ReplyTemplate.objects.get(agency=agency_a, title="物业")
    response = client.post("/settings/templates/new/", {"title": "物业", "opinion": "explain", "body": BODY})
    assert response.status_code == 409
    response = client.post(
        f"/settings/templates/{template.pk}/", {"title": "物业收费", "opinion": "explain", "body": BODY}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.title == "物业收费" and template.opinion == "explain"
    assert (
        host_client(agency_a, handler_a).post(f"/settings/templates/{template.pk}/delete/").status_code == 403
    )
    assert client.post(f"/settings/templates/{template.pk}/delete/").status_code == 302
    assert not ReplyTemplate.objects.filter(pk=template.pk).exists()


def test_templates_are_tenant_scoped(host_client, agency_a, agency_b, leader_a):
    foreign = ReplyTemplate.objects.create(agency=agency_b, title="住建", opinion="support", body=BODY)
    client = host_client(agency_a, leader_a)
    assert client.get(f"/settings/templates/{foreign.pk}/").status_code == 404
    assert (
        client.post(
            f"/settings/templates/{foreign.pk}/", {"title": "x", "opinion": "support", "body": BODY}
        ).status_code
        == 404
    )
    assert client.post(f"/settings/templates/{foreign.pk}/delete/").status_code == 404
    assert "住建" not in client.get("/settings/").content.decode()
    assert ReplyTemplate.objects.filter(pk=foreign.pk, title="住建").exists()


def test_admin_edits_responsibilities_and_keywords(host_client, agency_a, admin_a, leader_a):
    response = host_client(agency_a, leader_a).post("/settings/responsibilities/", {"responsibilities": "x"})
    assert response.status_code == 403
    response = host_client(agency_a, admin_a).post(
        "/settings/responsibilities/",
        {"responsibilities": "治安、户籍。", "keywords": "户口， 治安、户口,网吧"},
    )
    assert response.status_code == 302
    row = Agency.objects.get(pk=agency_a.pk)
    assert row.responsibilities == "治安、户籍。" and row.keywords == "户口,治安,网吧"


def test_keywords_too_long_are_refused(agency_a, admin_a):
    with pytest.raises(HallError) as caught:
        ws_services.update_responsibilities(
            acting_user=admin_a,
            agency=agency_a,
            responsibilities="",
            keywords=",".join(f"词{n:03d}" for n in range(120)),
        )
    assert caught.value.code == "keywords_too_long"
