"""An agency's inbox and case page: sign, object, accept or not, assign, notes, extension, reply with a
template, completion report, signed scans, closing, and the protected reporter."""

import io

from cases import services
from cases.index.models import CaseIndex, IdentityReadLog
from cases.models import CaseState, Document, ExtensionStatus, ReportStatus
from cases.workspace.models import ReplyTemplate
from tests.cases.conftest import in_schema, load_case, staff
from tests.workspace.conftest import case_url

REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"


def test_inbox_sorted_by_next_deadline_and_coloured(
    host_client, agency_a, handler_a, forwarded, accepted_other
):
    page = host_client(agency_a, handler_a).get("/inbox/").content.decode()
    # The one waiting for acceptance (15 days) comes before the one being handled (60 days).
    assert page.index(forwarded.tracking_number) < page.index(accepted_other.tracking_number)
    assert "ws-row-running" in page and "status-running" in page


def test_inbox_sorts_and_mine(host_client, agency_a, handler_a, leader_a, forwarded, accepted_other):
    client = host_client(agency_a, handler_a)
    page = client.get("/inbox/", {"sort": "new"}).content.decode()
    assert page.index(accepted_other.tracking_number) < page.index(forwarded.tracking_number)
    services.assign_handler(case_uuid=forwarded.case_uuid, actor=staff(leader_a, agency_a), handler=handler_a)
    page = client.get("/inbox/", {"mine": "1"}).content.decode()
    assert forwarded.tracking_number in page and accepted_other.tracking_number not in page


def test_bureau_sees_forwarded_cases_under_sent(host_client, bureau, clerk, forwarded):
    client = host_client(bureau, clerk)
    assert forwarded.tracking_number not in client.get("/inbox/").content.decode()
    page = client.get("/inbox/", {"show": "sent"}).content.decode()
    assert forwarded.tracking_number in page and "三门峡市公安局" in page


def test_sign_then_accept(host_client, agency_a, handler_a, forwarded):
    client = host_client(agency_a, handler_a)
    assert client.post(case_url(forwarded, "sign"), {}).status_code == 302
    assert load_case(forwarded.case_uuid).state == CaseState.SIGNED
    assert client.post(case_url(forwarded, "sign"), {}).status_code == 409
    page = client.get(case_url(forwarded)).content.decode()
    assert "受理后须在" in page  # the 60-day clock the step starts
    assert client.post(case_url(forwarded, "accept"), {"accept-message": ""}).status_code == 302
    case = load_case(forwarded.case_uuid)
    assert case.state == CaseState.ACCEPTED and case.handling_due
    assert in_schema(agency_a, Document, case_id=case.pk, kind="acceptance_notice")


def test_not_accept_needs_channel_and_reason(host_client, agency_a, handler_a, forwarded):
    client = host_client(agency_a, handler_a)
    response = client.post(case_url(forwarded, "not_accept"), {"not_accept-channel": "arbitration"})
    assert response.status_code == 400 and "请写明不予受理的理由" in response.content.decode()
    response = client.post(
        case_url(forwarded, "not_accept"),
        {"not_accept-channel": "arbitration", "not_accept-reason": "劳动争议应先申请劳动仲裁"},
    )
    assert response.status_code == 302
    assert load_case(forwarded.case_uuid).state == CaseState.NOT_ACCEPTED


def test_object_to_routing(host_client, agency_a, handler_a, forwarded):
    client = host_client(agency_a, handler_a)
    response = client.post(case_url(forwarded, "object"), {"object-reason": "  "})
    assert response.status_code == 400 and "请写明异议理由" in response.content.decode()
    response = client.post(case_url(forwarded, "object"), {"object-reason": "物业收费属住建部门职责"})
    assert response.status_code == 302
    assert load_case(forwarded.case_uuid).state == CaseState.OBJECTED


def test_send_to_bureau_only_for_directly_filed(host_client, agency_a, handler_a, file_petition, forwarded):
    client = host_client(agency_a, handler_a)
    response = client.post(case_url(forwarded, "send_to_bureau"), {"send_to_bureau-reason": "不属于本单位"})
    assert response.status_code == 409  # routed by the bureau: use an objection
    direct = file_petition(
        agency=agency_a, title="派出所办户口太慢", body="去派出所办理户口迁移等了一个月还没办好。"
    )
    page = client.get(case_url(direct)).content.decode()
    assert "act/send_to_bureau/" in page and "act/object/" not in page
    response = client.post(case_url(direct, "send_to_bureau"), {"send_to_bureau-reason": "应由县政府办理"})
    assert response.status_code == 302
    assert CaseIndex.objects.get(case_uuid=direct.case_uuid).holder.code == "xfj"


def test_assign_handler_and_notes(host_client, agency_a, leader_a, handler_a, handler_b, forwarded):
    client = host_client(agency_a, leader_a)
    response = client.post(
        case_url(forwarded, "assign_handler"), {"assign_handler-handler": str(handler_b.uuid)}
    )
    assert response.status_code == 400  # not a member: not even offered
    response = client.post(
        case_url(forwarded, "assign_handler"), {"assign_handler-handler": str(handler_a.uuid)}
    )
    assert response.status_code == 302
    assert load_case(forwarded.case_uuid).handler_uuid == handler_a.uuid
    assert client.post(case_url(forwarded, "note"), {"note-text": " "}).status_code == 400
    assert client.post(case_url(forwarded, "note"), {"note-text": "已电话联系信访人"}).status_code == 302
    page = host_client(agency_a, handler_a).get(case_url(forwarded)).content.decode()
    assert "已电话联系信访人" in page


def test_extension_requested_by_handler_decided_by_leader(
    host_client, agency_a, handler_a, leader_a, accepted
):
    handler = host_client(agency_a, handler_a)
    response = handler.post(case_url(accepted, "request_extension"), {"request_extension-days": "45"})
    assert response.status_code == 400 and "延长期限为1至30日" in response.content.decode()
    response = handler.post(
        case_url(accepted, "request_extension"),
        {"request_extension-days": "20", "request_extension-reason": "需要现场勘验"},
    )
    assert response.status_code == 302
    # The handler cannot approve their own request: not offered, and refused when forced.
    assert "act/decide_extension/" not in handler.get(case_url(accepted)).content.decode()
    response = handler.post(case_url(accepted, "decide_extension"), {"decide_extension-decision": "approve"})
    assert response.status_code == 403
    leader = host_client(agency_a, leader_a)
    assert "待审批的延期申请" in leader.get("/").content.decode()
    page = leader.get(case_url(accepted)).content.decode()
    assert "需要现场勘验" in page and "批准后办理期限延至" in page
    before = load_case(accepted.case_uuid).handling_due
    response = leader.post(case_url(accepted, "decide_extension"), {"decide_extension-decision": "approve"})
    assert response.status_code == 302
    case = load_case(accepted.case_uuid)
    assert case.extension_status == ExtensionStatus.APPROVED and case.handling_due > before
    # Once only.
    response = handler.post(
        case_url(accepted, "request_extension"),
        {"request_extension-days": "5", "request_extension-reason": "还需要时间"},
    )
    assert response.status_code == 409


def test_reply_from_a_template(host_client, agency_a, handler_a, accepted):
    template = ReplyTemplate.objects.create(agency=agency_a, title="物业收费", opinion="support", body=REPLY)
    client = host_client(agency_a, handler_a)
    page = client.get(case_url(accepted), {"template": template.pk}).content.decode()
    assert REPLY in page and "答复后，信访人可在" in page
    response = client.post(case_url(accepted, "reply"), {"reply-opinion": "", "reply-text": REPLY})
    assert response.status_code == 400 and REPLY in response.content.decode()  # input kept
    response = client.post(case_url(accepted, "reply"), {"reply-opinion": "support", "reply-text": REPLY})
    assert response.status_code == 302
    case = load_case(accepted.case_uuid)
    assert case.state == CaseState.REPLIED and case.reply_text == REPLY
    assert in_schema(agency_a, Document, case_id=case.pk, kind="handling_opinion")


def test_reply_with_attached_files_that_the_citizen_can_see(host_client, agency_a, handler_a, accepted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.access import case_for_citizen
    from cases.queries import documents

    files = [
        SimpleUploadedFile("核查照片.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png"),
        SimpleUploadedFile("退费清单.txt", "退费金额：200元".encode(), content_type="text/plain"),
    ]
    response = host_client(agency_a, handler_a).post(
        case_url(accepted, "reply"), {"reply-opinion": "support", "reply-text": REPLY, "reply-files": files}
    )
    assert response.status_code == 302
    attached = in_schema(agency_a, Document, case_id=accepted.case_uuid, kind="reply_attachment")
    assert sorted(d.file_name for d in attached) == ["核查照片.png", "退费清单.txt"]
    assert all(d.storage_key.startswith("ag_gaj/documents/") for d in attached)
    citizen = CaseIndex.objects.get(case_uuid=accepted.case_uuid).citizen
    visible = {d.kind for d in documents(case_for_citizen(citizen, accepted.case_uuid), for_citizen=True)}
    assert {"handling_opinion", "reply_attachment"} <= visible


def test_a_reply_with_a_disguised_executable_is_refused_and_keeps_the_text(
    host_client, agency_a, handler_a, accepted
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("说明.pdf", b"MZ\x90\x00" + b"\0" * 64, content_type="application/pdf")
    response = host_client(agency_a, handler_a).post(
        case_url(accepted, "reply"), {"reply-opinion": "support", "reply-text": REPLY, "reply-files": [fake]}
    )
    assert response.status_code == 400 and REPLY in response.content.decode()
    assert load_case(accepted.case_uuid).state == CaseState.ACCEPTED


def test_other_agencys_template_is_not_offered(host_client, agency_a, agency_b, handler_a, accepted):
    foreign = ReplyTemplate.objects.create(
        agency=agency_b, title="别家模板", opinion="explain", body="别家单位的答复正文内容"
    )
    page = host_client(agency_a, handler_a).get(case_url(accepted), {"template": foreign.pk}).content.decode()
    assert "别家单位的答复正文内容" not in page


def test_completion_report_for_assigned_cases(host_client, agency_a, handler_a, assigned):
    actor = staff(handler_a, agency_a)
    services.accept_case(case_uuid=assigned.case_uuid, actor=actor)
    client = host_client(agency_a, handler_a)
    assert "act/completion_report/" not in client.get(case_url(assigned)).content.decode()
    services.reply_case(case_uuid=assigned.case_uuid, actor=actor, opinion="support", text=REPLY)
    response = client.post(case_url(assigned, "completion_report"), {"completion_report-text": "短"})
    assert response.status_code == 400
    response = client.post(
        case_url(assigned, "completion_report"), {"completion_report-text": "已督促物业公司整改并退款"}
    )
    assert response.status_code == 302
    assert load_case(assigned.case_uuid).report_status == ReportStatus.PENDING


def test_upload_signed_scan(host_client, agency_a, handler_a, accepted):
    doc = in_schema(agency_a, Document, case_id=accepted.case_uuid, kind="acceptance_notice")[0]
    client = host_client(agency_a, handler_a)
    bad = io.BytesIO(b"MZ\x90\x00 not a pdf")
    bad.name = "scan.pdf"
    response = client.post(
        case_url(accepted, "upload_scan"), {"upload_scan-document": str(doc.pk), "upload_scan-file": bad}
    )
    assert response.status_code == 400 and "不能上传" in response.content.decode()
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    pdf.name = "signed.pdf"
    response = client.post(
        case_url(accepted, "upload_scan"), {"upload_scan-document": str(doc.pk), "upload_scan-file": pdf}
    )
    assert response.status_code == 302
    docs = in_schema(agency_a, Document, case_id=accepted.case_uuid, kind="acceptance_notice")
    assert {d.generated for d in docs} == {True, False} and any(d.superseded for d in docs)


def test_close_refused_while_the_review_window_is_open(host_client, agency_a, handler_a, accepted):
    services.reply_case(
        case_uuid=accepted.case_uuid, actor=staff(handler_a, agency_a), opinion="explain", text=REPLY
    )
    response = host_client(agency_a, handler_a).post(case_url(accepted, "close"), {})
    assert response.status_code == 409 and "期限尚未届满" in response.content.decode()


def test_reporter_identity_is_masked_and_reads_are_logged(
    host_client, bureau, clerk, agency_b, file_petition
):
    report = file_petition(
        petition_type="report",
        title="举报公安局某民警违规收费",
        body="公安局某派出所民警在办理户口时索要好处费五百元，特此举报。",
        reported_agency="gaj",
    )
    client = host_client(bureau, clerk)
    page = client.get(case_url(report)).content.decode()
    assert "信访人身份受保护" in page and "张爱丽" not in page
    response = client.post(case_url(report, "identity"), {"identity-purpose": ""})
    assert response.status_code == 400
    response = client.post(case_url(report, "identity"), {"identity-purpose": "核实举报线索"}, follow=True)
    assert response.redirect_chain[0][1] == 302
    assert response.status_code == 200 and "张爱丽" in response.content.decode()
    assert IdentityReadLog.objects.filter(case_uuid=report.case_uuid, purpose="核实举报线索").exists()
    # Routing suggestions never propose the unit reported against.
    assert "三门峡市公安局" not in page.split("建议的办理单位")[-1].split("</section>")[0]
