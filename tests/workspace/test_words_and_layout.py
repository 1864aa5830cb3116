"""Words and layout that staff trust (issue 14 item 4), on the workspace and oversight pages."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from cases import services
from cases.models import Document
from cases.oversight import charts
from cases.oversight import services as ovs_services
from cases.oversight.models import SupervisionKind
from cases.workspace.models import ReplyTemplate
from tests.cases.conftest import in_schema, staff
from tests.cases.test_documents import pdf_text
from tests.workspace.conftest import case_url

REPLY = "经调查核实，物业公司多收的停车费已责令全部退还，并已约谈该物业公司负责人。"


def test_roles_are_named_in_the_readers_language(host_client, agency_a, leader_a):
    from accounts.models import Membership, Role

    Membership.objects.create(user=leader_a, agency=agency_a, role=Role.ADMIN)
    client = host_client(agency_a, leader_a)
    page = client.get("/").content.decode()
    assert '<span class="badge">负责人</span>' in page and '<span class="badge">管理员</span>' in page
    assert '<span class="badge">leader</span>' not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/").content.decode()
    assert (
        '<span class="badge">负责人</span>' not in english
        and '<span class="badge">leader</span>' not in english
    )


def test_an_assignment_says_assigned_and_a_forward_says_forwarded(
    host_client, bureau, clerk, queued, file_petition
):
    client = host_client(bureau, clerk)
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(
        case_url(queued, "route"),
        {
            "route-target": "gaj",
            "route-mode": "assign",
            "route-assignment_due": due,
            "route-report_required": "on",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "已交办至三门峡市公安局。" in page and "已转送至" not in page
    other = file_petition(title="小区楼道堆放杂物无人清理", body="楼道里堆满杂物，消防通道被堵，物业不管。")
    page = client.post(
        case_url(other, "route"), {"route-target": "zjj", "route-mode": "forward"}, follow=True
    )
    assert "已转送至三门峡市住房和城乡建设局。" in page.content.decode()


def test_a_reply_attachment_is_not_called_a_signed_scan(host_client, agency_a, handler_a, accepted):
    files = [SimpleUploadedFile("退费清单.txt", "退费金额：200元".encode(), content_type="text/plain")]
    client = host_client(agency_a, handler_a)
    client.post(
        case_url(accepted, "reply"), {"reply-opinion": "support", "reply-text": REPLY, "reply-files": files}
    )
    documents = client.get(case_url(accepted)).content.decode().split('id="docs-h"')[1].split("</section>")[0]
    assert "退费清单.txt" in documents and "答复附件" in documents
    assert "签章扫描件" not in documents


def test_the_reply_template_picker_fills_the_reply(
    host_client, agency_a, leader_a, handler_a, accepted, agency_b
):
    mine = ReplyTemplate.objects.create(agency=agency_a, title="物业收费", opinion="explain", body=REPLY)
    theirs = ReplyTemplate.objects.create(
        agency=agency_b, title="别的单位", opinion="support", body="别的单位的模板正文内容"
    )
    client = host_client(agency_a, handler_a)
    page = client.get(case_url(accepted)).content.decode()
    picker = page.split('class="ws-template-pick"')[1].split("</form>")[0]
    assert f'<option value="{mine.pk}">物业收费</option>' in picker and "别的单位" not in picker
    filled = client.get(case_url(accepted), {"template": mine.pk}).content.decode()
    reply_form = filled.split('id="act-reply"')[1].split("</details>")[0]
    assert REPLY in reply_form and 'value="explain" selected' in reply_form.replace('selected=""', "selected")
    # Another agency's template is not found from here (tenant isolation).
    other = client.get(case_url(accepted), {"template": theirs.pk}).content.decode()
    assert "别的单位的模板正文内容" not in other


def test_the_message_typed_when_accepting_is_in_the_acceptance_notice(
    host_client, agency_a, handler_a, forwarded
):
    note = "请保持电话畅通，承办人将在三个工作日内与您联系。"
    client = host_client(agency_a, handler_a)
    assert client.post(case_url(forwarded, "accept"), {"accept-message": note}).status_code == 302
    (notice,) = in_schema(agency_a, Document, case_id=forwarded.case_uuid, kind="acceptance_notice")
    assert "请保持电话畅通，承办人将在三个工作日内与您联系。" in pdf_text(notice.storage_key)


def test_a_pending_extension_shows_its_days_and_reason(host_client, agency_a, handler_a, leader_a, accepted):
    reason = "需要会同住建部门现场勘查"
    services.request_extension(
        case_uuid=accepted.case_uuid, actor=staff(handler_a, agency_a), days=20, reason=reason
    )
    case_page = host_client(agency_a, handler_a).get(case_url(accepted)).content.decode()
    shown = case_page.split('id="extension-request"')[1].split("</dd>")[0]
    assert "待审批" in shown and "申请延长20日" in shown and reason in shown
    home = host_client(agency_a, leader_a).get("/").content.decode()
    assert "申请延长20日" in home and reason in home


@pytest.fixture
def order(supervisor, oversight, agency_a, accepted):
    return ovs_services.issue_supervision(
        actor=staff(supervisor, oversight),
        agency=agency_a,
        case_uuids=[accepted.case_uuid],
        kind=SupervisionKind.ORDER,
        message="请于期限内报告办理进展。",
        answer_due=timezone.localdate() + timedelta(days=10),
    )


def test_pending_orders_on_the_workspace_home_and_orders_link_their_case(
    host_client, agency_a, agency_b, handler_a, handler_b, accepted, order, oversight, supervisor
):
    client = host_client(agency_a, handler_a)
    home = client.get("/").content.decode()
    pending = home.split('id="pending-supervision"')[1].split("</section>")[0]
    assert f'href="/supervision/{order.pk}/"' in pending
    assert f'href="/case/{accepted.case_uuid}/">{accepted.tracking_number}</a>' in pending
    for url in ("/supervision/", f"/supervision/{order.pk}/"):
        assert f'href="/case/{accepted.case_uuid}/"' in client.get(url).content.decode()
    overseer = host_client(oversight, supervisor)
    for url in ("/supervision/", f"/supervision/{order.pk}/"):
        assert f'href="/cases/{accepted.case_uuid}/"' in overseer.get(url).content.decode()
    # Another agency sees nothing of it, and an answered order leaves the home page.
    assert 'id="pending-supervision"' not in host_client(agency_b, handler_b).get("/").content.decode()
    ovs_services.answer_supervision(actor=staff(handler_a, agency_a), item=order, text="已按期办理并答复。")
    assert 'id="pending-supervision"' not in client.get("/").content.decode()


def test_oversight_filters_offer_a_list_of_agencies(host_client, oversight, supervisor, agency_a):
    client = host_client(oversight, supervisor)
    for url in ("/", "/search/"):
        page = client.get(url).content.decode()
        select = page.split('<select name="agency"')[1].split("</select>")[0]
        assert '<option value="gaj">三门峡市公安局</option>' in select
        assert 'value="dcs"' not in select and 'value="public"' not in select
    page = client.get("/", {"agency": "GAJ"})
    assert page.status_code == 200 and page.context["filters"].agency == agency_a
    assert "没有这个单位代码。" in client.get("/search/", {"agency": "nope"}).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<option value="gaj">Public Security Bureau</option>' in client.get("/").content.decode()


def test_the_xlsx_has_chinese_headers_and_column_widths(host_client, oversight, supervisor):
    export = host_client(oversight, supervisor).get("/kpis/ranking.xlsx", {"sort": "satisfaction"})
    book = load_workbook(io.BytesIO(export.content))
    sheet = book.worksheets[0]
    title, header = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert header[:3] == ["名次", "单位代码", "单位"] and any("满意率" in str(h) for h in header)
    assert title[3] == "满意率"  # the sort by its name, not its key
    assert sheet.freeze_panes == "A3" and sheet["A2"].font.bold
    widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items()}
    assert widths["C"] >= 2 * len("三门峡市公安局")  # the agency's name fits
    assert all(width >= 8 for width in widths.values())
    notes = book["指标口径"]
    assert notes.column_dimensions["B"].width >= 30


def test_chart_labels_get_the_room_they_need():
    long_name = "中共三门峡市纪律检查委员会 三门峡市监察委员会"
    chart = charts.bar_chart("满意率", [(long_name, 50), ("Human Resources and Social Security Bureau", 100)])
    assert chart.label_x - charts.text_width(long_name) >= 0
    assert chart.label_x - charts.text_width("Human Resources and Social Security Bureau") >= 0
    assert chart.value_x + charts.text_width(chart.bars[0].shown) <= chart.width
