"""The per-clock KPIs (definitions 8-12 of cases/oversight/kpis.py) on hand-built index rows and
supervision items: the bureau's timely routing, the review bodies' review and re-review, the agencies'
answers to supervision; each shown in the ranking."""

from datetime import date

from cases.oversight import kpis
from cases.oversight.models import SupervisionItem, SupervisionKind
from tests.oversight.conftest import local, make_index

MAY = kpis.Period.month(2026, 5)
TODAY = date(2026, 6, 10)


def _row(rows, agency):
    return next(r for r in rows if r.agency_id == agency.pk)


def test_timely_routing_counts_for_the_bureau_whoever_holds_the_case(bureau, agency_a, agency_b):
    make_index(agency_a, routing_due=date(2026, 5, 8), routed_at=local(date(2026, 5, 6)))  # on time
    make_index(agency_b, routing_due=date(2026, 5, 8), routed_at=local(date(2026, 5, 8), 23))  # last day
    make_index(agency_a, routing_due=date(2026, 5, 12), routed_at=local(date(2026, 5, 13)))  # late
    make_index(bureau, state="registered", routing_due=date(2026, 5, 20))  # overdue, not routed
    make_index(bureau, state="registered", routing_due=date(2026, 6, 20))  # not in May
    _definitions, rows = kpis.kpi_table(MAY, today=TODAY)
    routing = _row(rows, bureau).values["timely_routing"]
    assert (routing.numerator, routing.denominator, routing.value) == (2, 4, 50)
    # The agencies holding the routed cases are not ranked by the bureau's routing.
    assert _row(rows, agency_a).values["timely_routing"].denominator == 0


def test_review_and_rereview_count_for_the_body_holding_the_case(bureau, agency_a):
    make_index(bureau, state="reviewed", review_due=date(2026, 5, 10), reviewed_at=local(date(2026, 5, 9)))
    make_index(bureau, state="review_requested", review_due=date(2026, 5, 11))  # overdue
    make_index(
        agency_a, state="closed", rereview_due=date(2026, 5, 15), rereviewed_at=local(date(2026, 5, 16))
    )
    _definitions, rows = kpis.kpi_table(MAY, today=TODAY)
    review = _row(rows, bureau).values["timely_review"]
    assert (review.numerator, review.denominator) == (1, 2)
    rereview = _row(rows, agency_a).values["timely_rereview"]
    assert (rereview.numerator, rereview.denominator) == (0, 1)
    assert _row(rows, agency_a).values["timely_review"].denominator == 0


def test_supervision_answers_count_for_the_agency_addressed(agency_a, agency_b):
    def item(agency, due, answered=None):
        return SupervisionItem.objects.create(
            kind=SupervisionKind.REMINDER,
            agency=agency,
            cases=[],
            message="请反馈",
            answer_due=due,
            answered_at=local(answered) if answered else None,
        )

    item(agency_a, date(2026, 5, 6), date(2026, 5, 6))
    item(agency_a, date(2026, 5, 6), date(2026, 5, 7))
    item(agency_a, date(2026, 5, 30))  # unanswered, overdue
    item(agency_b, date(2026, 6, 30))  # not due yet, not in May
    _definitions, rows = kpis.kpi_table(MAY, today=TODAY)
    answers = _row(rows, agency_a).values["timely_supervision_answer"]
    assert (answers.numerator, answers.denominator) == (1, 3)
    assert _row(rows, agency_b).values["timely_supervision_answer"].denominator == 0


def test_the_ranking_shows_and_sorts_by_timely_routing(oversight_client, bureau, agency_a):
    make_index(agency_a, routing_due=date(2026, 5, 8), routed_at=local(date(2026, 5, 6)))
    assert "timely_routing" in kpis.KPI_KEYS
    definitions, rows = kpis.ranking(MAY, sort="timely_routing", today=TODAY)
    assert rows[0].agency_id == bureau.pk and rows[0].rank == 1
    page = oversight_client.get("/kpis/?month=2026-05&sort=timely_routing")
    assert page.status_code == 200
    assert "及时转送率" in page.content.decode() and "督办反馈及时率" in page.content.decode()


def test_an_agencys_staff_cannot_open_the_ranking(agency_a, handler_a):
    from django.conf import settings

    from tests.conftest import HostClient

    client = HostClient(f"{agency_a.code}.{settings.HALL_DOMAIN}")
    client.force_login(handler_a)
    assert client.get("/kpis/?sort=timely_routing").status_code == 404


def test_routing_through_the_services_records_when_the_bureau_routed(file_petition, clerk, bureau, agency_a):
    from cases import services
    from cases.index.models import CaseIndex
    from tests.oversight.conftest import staff

    filed = file_petition()
    services.forward_case(
        case_uuid=filed.case_uuid, actor=staff(clerk, bureau), target=agency_a, mode="forward", message=""
    )
    index = CaseIndex.objects.get(case_uuid=filed.case_uuid)
    assert index.holder_id == agency_a.pk and index.routed_at is not None and index.routing_due is not None
    assert index.routed_on <= index.routing_due
