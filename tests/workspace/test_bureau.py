"""The bureau's screens: the queue and its filters, registration, routing with suggestions, direct
replies, non-acceptance, merging, objections, completion reports and intake of letters and visits."""

from datetime import timedelta

from django.utils import timezone

from cases import services
from cases.index.models import CaseIndex
from cases.models import CaseState, ReportStatus
from tests.cases.conftest import load_case, staff
from tests.workspace.conftest import case_url


def test_queue_lists_new_petitions_with_deadline(host_client, bureau, clerk, queued):
    page = host_client(bureau, clerk).get("/queue/").content.decode()
    assert queued.tracking_number in page and "ws-row-running" in page


def test_queue_filters_and_search(host_client, bureau, clerk, file_petition):
    first = file_petition(
        title="路灯坏了很久没人修", body="我们村口的路灯坏了三个月，晚上出行很不方便，请修理。"
    )
    second = file_petition(
        petition_type="consultation",
        title="咨询养老保险转移",
        body="我从外地调来三门峡工作，想咨询养老保险关系如何转移接续。",
    )
    client = host_client(bureau, clerk)
    page = client.get("/queue/", {"q": "路灯"}).content.decode()
    assert first.tracking_number in page and second.tracking_number not in page
    page = client.get("/queue/", {"q": second.tracking_number}).content.decode()
    assert second.tracking_number in page and first.tracking_number not in page
    page = client.get("/queue/", {"petition_type": "consultation"}).content.decode()
    assert second.tracking_number in page and first.tracking_number not in page
    services.register_case(case_uuid=first.case_uuid, actor=staff(clerk, bureau))
    page = client.get("/queue/", {"state": "registered"}).content.decode()
    assert first.tracking_number in page and second.tracking_number not in page
    page = client.get("/queue/", {"channel": "letter"}).content.decode()
    assert first.tracking_number not in page and "共 0 件" in page


def test_queue_is_paginated(host_client, bureau, clerk, file_petition, monkeypatch):
    from cases.workspace import views

    subjects = [
        ("路灯损坏无人维修", "村口的路灯坏了三个月，晚上出行很不方便，请尽快修理。"),
        ("学校周边交通拥堵", "每天放学时段校门口车辆乱停，孩子过马路很危险，建议增设交警。"),
        ("企业拖欠工资", "我在某建筑工地干了半年活，老板一直拖欠工资两万元不给。"),
    ]
    for title, body in subjects:
        file_petition(title=title, body=body)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = host_client(bureau, clerk)
    assert "第 1 / 2 页" in client.get("/queue/").content.decode()
    assert "第 2 / 2 页" in client.get("/queue/", {"page": 2}).content.decode()


def test_register(host_client, bureau, clerk, queued):
    client = host_client(bureau, clerk)
    page = client.get(case_url(queued)).content.decode()
    assert "登记后须在" in page  # the deadline the step starts
    response = client.post(case_url(queued, "register"), {})
    assert response.status_code == 302 and response["Location"] == case_url(queued)
    assert load_case(queued.case_uuid).state == CaseState.REGISTERED
    # Again: the service refuses, the page says why, with the conflict status.
    response = client.post(case_url(queued, "register"), {})
    assert response.status_code == 409 and "不能执行此操作" in response.content.decode()


def test_case_page_suggests_agencies_from_text_and_place(host_client, bureau, clerk, queued):
    page = host_client(bureau, clerk).get(case_url(queued)).content.decode()
    # "物业" and "小区" are the housing bureau's keywords.
    assert "建议的办理单位" in page and "三门峡市住房和城乡建设局" in page and "物业" in page


def test_forward_to_an_agency(host_client, bureau, clerk, agency_a, queued):
    client = host_client(bureau, clerk)
    response = client.post(case_url(queued, "route"), {"route-target": "gaj", "route-mode": "forward"})
    assert response.status_code == 302
    index = CaseIndex.objects.get(case_uuid=queued.case_uuid)
    assert index.holder == agency_a and index.state == CaseState.RECEIVED and index.acceptance_due
    follow = client.get(response["Location"]).content.decode()
    assert "已转送至三门峡市公安局" in follow and "已转出此件" in follow


def test_assign_needs_a_future_deadline_and_keeps_input(host_client, bureau, clerk, queued):
    client = host_client(bureau, clerk)
    response = client.post(
        case_url(queued, "route"),
        {"route-target": "gaj", "route-mode": "assign", "route-message": "请重点核查"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "交办须指定今天以后的办结期限" in page and "请重点核查" in page
    assert load_case(queued.case_uuid).state == CaseState.SUBMITTED
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = client.post(
        case_url(queued, "route"),
        {
            "route-target": "gaj",
            "route-mode": "assign",
            "route-assignment_due": due,
            "route-report_required": "on",
        },
    )
    assert response.status_code == 302
    case = load_case(queued.case_uuid)
    assert case.routing_mode == "assign" and case.report_required and case.assignment_due.isoformat() == due


def test_route_refuses_an_unknown_target(host_client, bureau, clerk, queued):
    response = host_client(bureau, clerk).post(case_url(queued, "route"), {"route-target": "nope"})
    assert response.status_code == 400


def test_bureau_admin_without_deciding_role_cannot_route(host_client, bureau, queued):
    from accounts.models import Role
    from tests.conftest import make_staff

    admin = make_staff("admin@xfj.test", bureau, Role.ADMIN)
    client = host_client(bureau, admin)
    assert "act/route/" not in client.get(case_url(queued)).content.decode()
    response = client.post(case_url(queued, "route"), {"route-target": "gaj", "route-mode": "forward"})
    assert response.status_code == 403


def test_reply_directly(host_client, bureau, clerk, queued):
    client = host_client(bureau, clerk)
    response = client.post(case_url(queued, "reply_directly"), {"reply_directly-opinion": "explain"})
    assert response.status_code == 400 and "至少10个字" in response.content.decode()
    text = "经核实，停车收费标准已报物价部门备案，现将有关规定解释如下。"
    response = client.post(
        case_url(queued, "reply_directly"), {"reply_directly-opinion": "explain", "reply_directly-text": text}
    )
    assert response.status_code == 302
    case = load_case(queued.case_uuid)
    assert case.state == CaseState.REPLIED and case.reply_text == text


def test_not_accept_by_bureau_names_the_channel(host_client, bureau, clerk, queued):
    client = host_client(bureau, clerk)
    response = client.post(
        case_url(queued, "not_accept_by_bureau"), {"not_accept_by_bureau-reason": "已起诉"}
    )
    assert response.status_code == 400 and "法定途径" in response.content.decode()
    response = client.post(
        case_url(queued, "not_accept_by_bureau"),
        {"not_accept_by_bureau-channel": "litigation", "not_accept_by_bureau-reason": "该事项已进入诉讼程序"},
    )
    assert response.status_code == 302
    assert load_case(queued.case_uuid).not_accepted_channel == "litigation"


def test_merge(host_client, bureau, clerk, file_petition, other_citizen):
    original = file_petition()
    duplicate = file_petition(user=other_citizen)
    client = host_client(bureau, clerk)
    response = client.post(case_url(duplicate, "merge"), {"merge-into_tracking_number": "SMX-1999-000001"})
    assert response.status_code == 404 and "找不到编号为" in response.content.decode()
    response = client.post(
        case_url(duplicate, "merge"), {"merge-into_tracking_number": original.tracking_number}
    )
    assert response.status_code == 302
    assert load_case(duplicate.case_uuid).state == CaseState.MERGED


def test_bureau_rules_on_an_objection(host_client, bureau, clerk, agency_a, handler_a, forwarded):
    services.object_to_routing(
        case_uuid=forwarded.case_uuid, actor=staff(handler_a, agency_a), reason="属于住建部门职责"
    )
    client = host_client(bureau, clerk)
    home = client.get("/").content.decode()
    assert "待审核的分流异议" in home and forwarded.tracking_number in home
    page = client.get(case_url(forwarded)).content.decode()
    assert "属于住建部门职责" in page and "act/decide_objection/" in page
    response = client.post(case_url(forwarded, "decide_objection"), {"decide_objection-decision": "approve"})
    assert response.status_code == 302
    index = CaseIndex.objects.get(case_uuid=forwarded.case_uuid)
    assert index.holder == bureau and index.state == CaseState.REGISTERED


def test_bureau_accepts_or_returns_a_completion_report(
    host_client, bureau, clerk, agency_a, handler_a, assigned
):
    actor = staff(handler_a, agency_a)
    services.accept_case(case_uuid=assigned.case_uuid, actor=actor)
    services.reply_case(
        case_uuid=assigned.case_uuid,
        actor=actor,
        opinion="support",
        text="经调查，情况属实，已责令整改完毕。",
    )
    services.submit_completion_report(
        case_uuid=assigned.case_uuid, actor=actor, text="已责令物业公司退还多收费用。"
    )
    client = host_client(bureau, clerk)
    assert "待审核的办结报告" in client.get("/").content.decode()
    page = client.get(case_url(assigned)).content.decode()
    assert "已责令物业公司退还多收费用" in page
    response = client.post(case_url(assigned, "decide_report"), {"decide_report-decision": "refuse"})
    assert response.status_code == 400 and "退回办结报告时请写明理由" in response.content.decode()
    response = client.post(
        case_url(assigned, "decide_report"),
        {"decide_report-decision": "refuse", "decide_report-comment": "请附整改照片"},
    )
    assert response.status_code == 302
    assert load_case(assigned.case_uuid).report_status == ReportStatus.RETURNED


def test_intake_of_a_letter_for_a_registered_citizen(host_client, bureau, clerk, citizen):
    client = host_client(bureau, clerk)
    data = {
        "channel": "letter",
        "petitioner_name": "张爱丽",
        "petitioner_phone": "13800138000",
        "citizen_email": citizen.email,
        "petition_type": "request",
        "title": "申请解决孩子入学问题",
        "body": "我家孩子今年到了入学年龄，户口在本区却没有被分配学校，请求解决。",
        "location": "湖滨区",
        "people_count": "1",
    }
    response = client.post("/intake/", data)
    assert response.status_code == 201
    page = response.content.decode()
    index = CaseIndex.objects.get(title="申请解决孩子入学问题")
    assert index.tracking_number in page and "查询码" in page
    assert index.channel == "letter" and index.citizen == citizen and index.holder == bureau


def test_intake_keeps_input_on_errors(host_client, bureau, clerk):
    client = host_client(bureau, clerk)
    response = client.post(
        "/intake/",
        {"channel": "visit", "petitioner_name": "王五", "title": "短", "body": "太短", "people_count": "1"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请把事情经过和诉求写清楚" in page and "王五" in page
    response = client.post(
        "/intake/",
        {
            "channel": "phone",
            "petitioner_name": "王五",
            "citizen_email": "nobody@example.cn",
            "petition_type": "opinion",
            "title": "关于公交线路的意见",
            "body": "建议增加通往火车站的公交线路，方便群众出行。",
            "people_count": "1",
        },
    )
    assert response.status_code == 400 and "没有使用该邮箱的账户" in response.content.decode()


def test_intake_refused_for_citizens_and_online_channel(host_client, bureau, clerk, citizen):
    assert host_client(bureau, citizen).post("/intake/", {}).status_code == 403
    response = host_client(bureau, clerk).post("/intake/", {"channel": "online", "people_count": "1"})
    assert response.status_code == 400
