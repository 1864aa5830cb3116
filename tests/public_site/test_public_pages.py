"""Pages without sign-in: look-up by query code (rate limited), published replies, statistics."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from cases.index.models import CaseIndex
from cases.models import Case
from cases.oversight import kpis
from cases.oversight.kpis import Period
from config.crypto import decrypt_text
from public_site import figures as stats
from public_site.queries import mask_personal_data
from public_site.views import LOOKUP_MAX_FAILURES

TITLE = "小区门口路灯坏了三个月"


# --- Look-up ---------------------------------------------------------------------------------------


def test_lookup_with_the_right_code_shows_state_and_steps_only(portal_client, replied_case, city):
    index = CaseIndex.objects.get(case_uuid=replied_case.case_uuid)
    code = decrypt_text(index.query_code_encrypted)
    response = portal_client.post(
        "/lookup/", {"tracking_number": index.tracking_number.lower(), "query_code": code.lower()}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="state">已答复' in page and city["gaj"].name_zh in page
    assert "受理" in page
    assert TITLE not in page  # no content, no documents, no personal data
    assert "张爱丽" not in page and "/files/" not in page and "路灯已于本周修复" not in page


def test_lookup_with_a_wrong_code_is_refused(portal_client, replied_case):
    index = CaseIndex.objects.get(case_uuid=replied_case.case_uuid)
    response = portal_client.post(
        "/lookup/", {"tracking_number": index.tracking_number, "query_code": "WRONG123"}
    )
    assert response.status_code == 404
    page = response.content.decode()
    assert "编号或查询码不正确" in page and "已答复" not in page


def test_lookup_is_rate_limited_per_address(portal_client, replied_case):
    index = CaseIndex.objects.get(case_uuid=replied_case.case_uuid)
    for _attempt in range(LOOKUP_MAX_FAILURES):
        portal_client.post("/lookup/", {"tracking_number": index.tracking_number, "query_code": "GUESS000"})
    right = decrypt_text(index.query_code_encrypted)
    response = portal_client.post("/lookup/", {"tracking_number": index.tracking_number, "query_code": right})
    assert response.status_code == 429
    assert "查询失败次数过多" in response.content.decode()


def test_lookup_empty_form_says_what_is_missing(portal_client, city):
    response = portal_client.post("/lookup/", {"tracking_number": "", "query_code": ""})
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()


# --- Published replies -----------------------------------------------------------------------------


def test_published_replies_show_the_reply_with_personal_data_removed(portal_client, replied_case, city):
    page = portal_client.get("/replies/").content.decode()
    assert TITLE in page and "路灯已于本周修复" in page and city["gaj"].name_zh in page
    assert "张爱丽" not in page and "张某女士" in page
    assert "13800138000" not in page and "138****8000" in page
    assert "0398-2812345" not in page


def test_unpublic_petitions_and_reports_are_never_published(
    portal_client, file_petition, clerk, bureau, registered, city
):
    from cases import services
    from tests.cases.conftest import staff

    private = file_petition(title="不公开的事项关于邻里纠纷", is_public=False)
    services.reply_directly(
        case_uuid=private.case_uuid,
        actor=staff(clerk, bureau),
        opinion="explain",
        text="已向您解释相关政策规定。",
    )
    report = file_petition(
        title="检举某单位违规发放补贴", petition_type="report", reported_agency="czj", is_public=True
    )
    services.reply_directly(
        case_uuid=report.case_uuid,
        actor=staff(clerk, bureau),
        opinion="explain",
        text="已转纪检监察机关核查处理。",
    )
    page = portal_client.get("/replies/").content.decode()
    assert "不公开的事项关于邻里纠纷" not in page and "检举某单位违规发放补贴" not in page


def test_unreplied_public_petition_is_not_published(portal_client, file_petition, registered):
    file_petition(title="还在办理的公开事项")
    assert "还在办理的公开事项" not in portal_client.get("/replies/").content.decode()


def test_masking_rules():
    text = "王小明先生身份证41120219900307123X，手机13912345678，邮箱wang@example.cn，电话0398-1234567。"
    masked = mask_personal_data(text, names=["王小明"])
    assert "王小明" not in masked and "王某先生" in masked
    assert "41120219900307123X" not in masked and "4112**********123X" in masked
    assert "139****5678" in masked and "wang@example.cn" not in masked and "1234567" not in masked
    assert mask_personal_data("请李四女士来电") == "请某女士来电"


def test_published_replies_mask_addresses_and_numbers_in_the_text(
    portal_client, file_petition, clerk, bureau, registered
):
    from cases import services
    from tests.cases.conftest import staff

    result = file_petition(title="黄河路1号楼下路灯不亮")  # filed with 三门峡市湖滨区黄河路1号
    services.reply_directly(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        opinion="support",
        text=(
            "经核实，三门峡市湖滨区黄河路1号门前路灯已修复；邻居住在湖滨区崤山路18号3栋2单元501室，"
            "身份证11010519491231002X，电话13800138000。"
        ),
    )
    page = portal_client.get("/replies/").content.decode()
    assert "路灯已修复" in page
    assert "黄河路" not in page and "崤山路" not in page and "501室" not in page
    assert "三门峡市湖滨区****门前" in page and "湖滨区****，" in page
    assert "11010519491231002X" not in page and "1101**********002X" in page
    assert "13800138000" not in page and "138****8000" in page


def test_masking_rules_for_addresses():
    assert mask_personal_data("请到湖滨区崤山路18号3栋2单元501室领取") == "请到湖滨区****领取"
    # The petitioner's stored address, whole or without its administrative part.
    stored = "河南省三门峡市陕州区大营镇温塘村5组"
    masked = mask_personal_data(
        "您家住大营镇温塘村5组，即河南省三门峡市陕州区大营镇温塘村5组", addresses=[stored]
    )
    assert "温塘村" not in masked and "河南省三门峡市陕州区****" in masked
    assert mask_personal_data("本局于2026年3月5号答复，修复路灯3盏") == "本局于2026年3月5号答复，修复路灯3盏"


# --- Statistics ------------------------------------------------------------------------------------


def _set(case_uuid, **fields):
    """Put a case's dates where a test wants them (index and case row alike)."""
    index = CaseIndex.objects.select_related("holder").get(case_uuid=case_uuid)
    CaseIndex.objects.filter(case_uuid=case_uuid).update(**fields)
    case_fields = {k: v for k, v in fields.items() if k != "accepting_agency"}
    with schema_context(index.holder.schema_name):
        Case.objects.filter(pk=case_uuid).update(**case_fields)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_default_timezone())


def test_statistics_formulas_on_a_hand_built_set(file_petition, registered, agency_a, agency_b, city):
    d = date(2025, 3, 1)
    one, two, three, four = (
        # Bodies that differ: the same matter twice would be linked (art. 19) and not counted.
        file_petition(agency=agency_a, title=f"统计用第{n}件", body=f"互不相同的第{n}件信访事项内容{n * 20}")
        for n in "一二三四"
    )
    other = file_petition(agency=agency_b, title="统计用住建局的信访事项关于供暖")
    # Submitted, received and accepted are set together: the KPIs count a petition received when it
    # was submitted and a handling deadline only on an accepted case (cases/oversight/kpis.py).
    # one: received in March, accepted on time, replied on time, satisfied.
    _set(
        one.case_uuid,
        submitted_at=_at(d),
        received_at=_at(d),
        accepted_at=_at(d + timedelta(3)),
        acceptance_due=d + timedelta(15),
        acceptance_decided_at=_at(d + timedelta(3)),
        handling_due=d + timedelta(40),
        replied_at=_at(d + timedelta(20)),
        satisfaction="satisfied",
    )
    # two: accepted late (the day after the deadline), replied late, unsatisfied.
    _set(
        two.case_uuid,
        submitted_at=_at(d),
        received_at=_at(d),
        accepted_at=_at(d + timedelta(6)),
        acceptance_due=d + timedelta(5),
        acceptance_decided_at=_at(d + timedelta(6)),
        handling_due=d + timedelta(10),
        replied_at=_at(d + timedelta(12)),
        satisfaction="unsatisfied",
    )
    # three: acceptance due in March, never decided (late); not replied.
    _set(
        three.case_uuid,
        submitted_at=_at(d),
        received_at=_at(d),
        acceptance_due=d + timedelta(10),
        acceptance_decided_at=None,
        handling_due=None,
        replied_at=None,
        satisfaction="",
    )
    # four: received before the period: counts nowhere.
    _set(
        four.case_uuid,
        submitted_at=_at(date(2025, 1, 5)),
        received_at=_at(date(2025, 1, 5)),
        acceptance_due=date(2025, 1, 20),
        acceptance_decided_at=_at(date(2025, 1, 6)),
        handling_due=None,
        replied_at=None,
        satisfaction="",
    )
    # other: accepted by zjj on the last minute of its deadline day (local time), basically satisfied.
    _set(
        other.case_uuid,
        submitted_at=_at(d),
        received_at=_at(d),
        accepted_at=_at(d + timedelta(2), 23),
        acceptance_due=d + timedelta(2),
        acceptance_decided_at=_at(d + timedelta(2), 23),
        handling_due=d + timedelta(30),
        replied_at=_at(d + timedelta(30), 23),
        satisfaction="basically",
    )

    rows, totals = stats.statistics(date(2025, 3, 1), date(2025, 3, 31))
    figures = {f.code: f for f in rows}
    a, b = figures["gaj"], figures["zjj"]
    assert a.received == 3
    # The oversight KPIs (cases/oversight/kpis.py); their numerators and denominators:
    _definitions, kpi_rows = kpis.kpi_table(Period(date(2025, 3, 1), date(2025, 3, 31)))
    values = {row.agency_code: row.values for row in kpi_rows}
    accepted_in_time, acceptance_due_count = (
        values["gaj"]["timely_acceptance"].numerator,
        values["gaj"]["timely_acceptance"].denominator,
    )
    assert (accepted_in_time, acceptance_due_count, a.acceptance_rate) == (1, 3, Decimal("33.3"))
    completion = values["gaj"]["on_time_completion"]
    assert (completion.numerator, completion.denominator, a.completion_rate) == (1, 2, Decimal("50.0"))
    rated = values["gaj"]["satisfaction"]
    assert (rated.numerator, rated.denominator, a.satisfaction_rate) == (1, 2, Decimal("50.0"))
    assert (b.received, b.acceptance_rate, b.completion_rate, b.satisfaction_rate) == (1, 100, 100, 100)
    assert figures["jyj"].acceptance_rate is None and figures["jyj"].received == 0
    assert totals.received == 4 and totals.acceptance_rate == 50


def test_statistics_is_one_query_whatever_the_number_of_agencies(city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        figures, _totals = stats.statistics(date(2025, 1, 1), date(2025, 12, 31))
    # Only the reads of tables: the KPI query also reads and sets its planner settings (SELECTs of
    # current_setting and set_config, without a FROM) inside a savepoint.
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH")) and " FROM " in q["sql"]
    ]
    assert len(reads) == 1, reads  # the aggregate over CaseIndex joined to the list of agencies
    assert "GROUP BY" in reads[0] and "caseindex_caseindex" in reads[0] and "tenants_agency" in reads[0]
    assert len(figures) == 29


def test_statistics_page_with_chart_and_table(portal_client, city):
    response = portal_client.get("/statistics/?start=2025-01-01&end=2025-12-31&metric=completion_rate")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="bar-chart" role="img"' in page and "<title" in page
    assert 'data-testid="stats-table"' in page and city["gaj"].name_zh in page
    assert "按期办结率" in page


def test_statistics_bad_period_keeps_the_input_and_says_why(portal_client, city):
    page = portal_client.get("/statistics/?start=2025-06-01&end=2025-01-01").content.decode()
    assert "结束日期不能早于开始日期" in page and 'value="2025-06-01"' in page
    assert "<svg" not in page
    page = portal_client.get("/statistics/?start=yesterday&end=2025-01-01").content.decode()
    assert 'value="yesterday"' in page and "<svg" not in page


def test_statistics_default_period_is_this_year(portal_client, city):
    page = portal_client.get("/statistics/").content.decode()
    assert f"{timezone.localdate().year}-01-01" in page and "<svg" in page
