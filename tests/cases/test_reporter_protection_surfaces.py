"""A report of misconduct (检举控告) against 住建局: its staff never see the reporter, on any surface;
staff who hold the case and oversight see a placeholder until they read the vault with a purpose."""

import pytest
from django.core import mail

from cases import services
from notifications.models import Notification
from tests.cases.conftest import VALID_ID, staff

REPORTER = "张爱丽"


@pytest.fixture
def report(file_petition, clerk, bureau, agency_a, agency_b, handler_a):
    result = file_petition(
        petition_type="report",
        title="检举住建局工作人员索要好处费",
        body="住建局某科室工作人员在办理房产证时向我索要好处费两千元，我有转账记录为证。",
        reported_agency=agency_b.code,
    )
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    return result


def test_the_reported_unit_finds_no_trace_anywhere(report, host_client, agency_b, handler_b, leader_b):
    for user in (handler_b, leader_b):
        client = host_client(agency_b, user)
        for path in (
            "/",
            "/inbox/",
            "/inbox/?show=sent",
            "/inbox/?show=closed",
            "/supervision/",
            "/api/v1/cases/",
        ):
            body = client.get(path).content.decode()
            assert report.tracking_number not in body and "好处费" not in body and REPORTER not in body, path
        for path in (f"/case/{report.case_uuid}/", f"/api/v1/cases/{report.case_uuid}/"):
            assert client.get(path).status_code == 404


def test_the_holder_sees_a_placeholder_on_the_page_the_api_and_the_pdfs(
    report, host_client, agency_a, handler_a
):
    client = host_client(agency_a, handler_a)
    for path in (f"/case/{report.case_uuid}/", f"/api/v1/cases/{report.case_uuid}/", "/inbox/"):
        body = client.get(path).content.decode()
        assert REPORTER not in body and VALID_ID not in body and "1101" not in body, path
    assert "信访人身份受保护" in client.get(f"/case/{report.case_uuid}/").content.decode()


def test_oversight_search_results_and_reads_are_masked(report, host_client, supervisor):
    client = host_client("dcs", supervisor)
    found = client.get("/search/", {"tracking_number": report.tracking_number}).content.decode()
    assert report.tracking_number in found and REPORTER not in found
    by_name = client.get("/search/", {"petitioner": REPORTER}).content.decode()
    assert report.tracking_number not in by_name
    response = client.post(f"/cases/{report.case_uuid}/read/", {"reason": "督查核实"}, follow=True)
    read = response.content.decode()
    assert response.status_code == 200 and report.tracking_number in read
    assert REPORTER not in read and VALID_ID not in read
    for path in ("/kpis/ranking.csv",):
        assert REPORTER not in client.get(path).content.decode("utf-8-sig")


def test_only_the_reporter_is_notified(
    file_petition,
    clerk,
    bureau,
    agency_a,
    agency_b,
    handler_a,
    handler_b,
    citizen,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        result = file_petition(
            petition_type="report",
            title="检举住建局违规审批",
            body="住建局违规为不符合条件的项目办理审批手续，请查处。",
            reported_agency=agency_b.code,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    notes = list(Notification.objects.values_list("user__email", "body"))
    # The citizen hears of each step; the staff of the agencies the case arrived at (the bureau,
    # then 公安局) hear that it arrived, without the reporter's name; the reported 住建局 hears nothing.
    assert len([email for email, _body in notes if email == citizen.email]) == 3
    assert {email for email, _body in notes} == {citizen.email, clerk.email, handler_a.email}
    assert all(REPORTER not in body for _email, body in notes)
    addressed = {address for message in mail.outbox for address in message.to}
    assert addressed == {citizen.email, clerk.email, handler_a.email} and handler_b.email not in addressed
