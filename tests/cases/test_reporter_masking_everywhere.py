"""The masking test, in one place (issue 10): a protected report (检举控告) walked through every step,
then every surface staff see is searched for the reporter (信访工作条例 arts. 30, 46).

A report against 住建局 (agency_b) is filed by a reporter with a full profile, registered and assigned
(交办) by the bureau to 公安局 (agency_a), signed, given a handler, accepted, extended, noted, supplemented
by the reporter, supervised by the oversight office and answered, replied to, reported on (办结报告),
rated, reviewed and re-reviewed; a second report is refused by the agency it was forwarded to. Then the
reporter's name, ID number, phone, address, e-mail and account (username, uuid, pk), and their masked
forms (config.masking: a masked name still points at one person), are looked for in:

- the workspace pages of the reported unit, of the holder, of the bureau and of a county;
- the oversight pages (the dashboard, search, the logged case read, KPIs, supervision);
- the agency API (list and case) of each agency, and the oversight host (it serves no API: 404);
- the text of every PDF kept in an agency schema (pypdf);
- every inbox row, delivery and e-mail sent to anyone but the reporter.

The logged read of a protected identity with a purpose (workspace and oversight ``identity`` pages) is
the one lawful way to see it and is not exercised here (tests/workspace/test_identity_read.py).
Controls check that each surface does show the case (its tracking number), so a page that failed to
render cannot pass for a clean one.
"""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tenants.utils import schema_context
from pypdf import PdfReader

from accounts.models import Role
from accounts.services import save_profile
from cases import services
from cases.models import Document, DocumentStatus
from cases.oversight import services as oversight_services
from cases.oversight.models import SupervisionItem
from cases.services import Actor, PetitionerInput, PetitionInput
from cases.supplements import add_supplement
from config import masking
from notifications.models import Delivery, Notification
from tenants.models import Agency
from tests.cases.conftest import load_case, staff
from tests.conftest import make_staff, make_user

NAME = "司马晓雯"
EMAIL = "xiaowen.sima.report@example.cn"
PHONE = "13712345678"
ADDRESS = "陕州区大营镇温塘村东街66号"
ID_NUMBER = "411202199002140034"  # 411202 19900214 003 + its GB 11643 check character (4)
BODY = "住建局某科室工作人员在办理房产证时向我索要好处费两千元，我有转账记录为证，请依法查处。"


@pytest.fixture
def reporter(db, local_storage):
    user = make_user(EMAIL, NAME)
    save_profile(user=user, full_name=NAME, id_number=ID_NUMBER, phone=PHONE, address=ADDRESS)
    return user


def _needles(reporter) -> dict[str, str]:
    found = {
        "name": NAME,
        "id_number": ID_NUMBER,
        "id_number_lower": ID_NUMBER.lower(),
        "phone": PHONE,
        "address": ADDRESS,
        "email": EMAIL,
        "username": reporter.username,
        "uuid": str(reporter.uuid),
        "uuid_hex": reporter.uuid.hex,
        "masked_name": masking.mask_name(NAME),
        "masked_id_number": masking.mask_id_number(ID_NUMBER),
        "masked_phone": masking.mask_phone(PHONE),
        "masked_address": masking.mask_address(ADDRESS),
    }
    return {what: value for what, value in found.items() if value}


def _leaks(text: str, needles: dict[str, str]) -> list[str]:
    return [what for what, value in needles.items() if value in text]


def _pdf_text(key: str) -> str:
    with default_storage.open(key, "rb") as handle:
        return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(handle.read())).pages)


def _file(reporter, bureau, reported, title, body=BODY):
    return services.submit_petition(
        actor=Actor.citizen(reporter, ip="198.51.100.77"),
        filed_with=bureau,
        petition=PetitionInput(
            petition_type="report", title=title, body=body, reported_agency=reported.code, people_count=1
        ),
        petitioner=PetitionerInput(name=NAME, id_number=ID_NUMBER, phone=PHONE, address=ADDRESS),
    )


def test_a_protected_reporter_appears_on_no_staff_surface_pdf_or_message(
    reporter, city, bureau, clerk, bureau_leader, agency_a, handler_a, leader_a, agency_b, handler_b,
    leader_b, supervisor, county, host_client, django_capture_on_commit_callbacks,
):  # fmt: skip
    def step(call, **kwargs):
        # Each step commits in production: its notifications are delivered (and e-mailed) after it.
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    me = Actor.citizen(reporter, ip="198.51.100.77")
    holder = staff(handler_a, agency_a)
    county_handler = make_staff("handler@lbs.mask.test", county, Role.HANDLER)

    # --- The walk: every step of the procedure on one report, the refusal on a second ---------------
    report = step(
        _file, reporter=reporter, bureau=bureau, reported=agency_b, title="检举住建局工作人员索要好处费"
    )
    case_uuid = report.case_uuid
    step(services.register_case, case_uuid=case_uuid, actor=staff(clerk, bureau))
    step(
        services.forward_case,
        case_uuid=case_uuid,
        actor=staff(clerk, bureau),
        target=agency_a,
        mode="assign",
        assignment_due=timezone.localdate() + timedelta(days=20),
        report_required=True,
        message="请依法调查处理",
    )
    step(services.assign_handler, case_uuid=case_uuid, actor=staff(leader_a, agency_a), handler=handler_a)
    step(services.sign_case, case_uuid=case_uuid, actor=holder)
    step(services.accept_case, case_uuid=case_uuid, actor=holder)
    step(services.request_extension, case_uuid=case_uuid, actor=holder, days=10, reason="需要调取银行流水")
    step(services.decide_extension, case_uuid=case_uuid, actor=staff(leader_a, agency_a), approve=True)
    step(services.add_note, case_uuid=case_uuid, actor=holder, text="已约谈涉事科室负责人")
    step(add_supplement, case_uuid=case_uuid, actor=me, text="补充：索要好处费的时间是上周三下午。")
    item = step(
        oversight_services.issue_supervision,
        actor=staff(supervisor, city["dcs"]),
        agency=agency_a,
        case_uuids=[case_uuid],
        kind="order",
        message="请加快办理并反馈进展",
        answer_due=timezone.localdate() + timedelta(days=5),
    )
    step(
        oversight_services.answer_supervision,
        actor=holder,
        item=SupervisionItem.objects.get(pk=item.pk),
        text="正在调查，已调取相关记录。",
    )
    step(
        services.reply_case,
        case_uuid=case_uuid,
        actor=holder,
        opinion="support",
        text="经调查核实，反映的问题属实，已责令退还并对相关人员作出处理。",
    )
    step(
        services.submit_completion_report,
        case_uuid=case_uuid,
        actor=holder,
        text="已调查核实并书面答复检举人，相关人员已处理。",
    )
    step(services.decide_completion_report, case_uuid=case_uuid, actor=staff(clerk, bureau), accept=True)
    step(
        services.evaluate_case, case_uuid=case_uuid, actor=me, satisfaction="unsatisfied", comment="处理太轻"
    )
    step(services.request_review, case_uuid=case_uuid, actor=me, reason="处理结果不能令人信服")
    step(
        services.answer_review,
        case_uuid=case_uuid,
        actor=staff(clerk, bureau),
        opinion="support",
        text="经复查，原处理意见正确，予以维持。",
    )
    step(services.request_rereview, case_uuid=case_uuid, actor=me, reason="仍然不服复查意见")
    # The city government (the bureau in the hall) reviewed; the body above it, outside the hall,
    # re-reviews, and the bureau enters its opinion when it comes back (art. 36).
    step(
        services.enter_rereview_result,
        case_uuid=case_uuid,
        actor=staff(bureau_leader, bureau),
        opinion="support",
        text="经复核，复查意见正确，予以维持。",
        decided_on=timezone.localdate(),
    )
    assert load_case(case_uuid).state == "terminated"

    refused = step(
        _file,
        reporter=reporter,
        bureau=bureau,
        reported=agency_b,
        title="检举住建局违规审批项目",
        # Another matter (not the one just terminated, which would not be accepted again: art. 36).
        body="住建局某科室在未经公示的情况下批准了一个商业项目的规划变更，违反审批程序，请依法调查。",
    )
    step(services.forward_case, case_uuid=refused.case_uuid, actor=staff(clerk, bureau), target=county)
    step(
        services.not_accept_case,
        case_uuid=refused.case_uuid,
        actor=staff(county_handler, county),
        channel="other_statutory",
        reason="该事项应当向纪检监察机关检举",
    )
    trackings = (report.tracking_number, refused.tracking_number)
    needles = _needles(reporter)
    leaks: list[tuple[str, str, list[str]]] = []

    def look(where: str, text: str) -> None:
        if found := _leaks(text, needles):
            leaks.append((where, text[:200], found))

    # --- Workspace pages and the agency API of every agency involved, and of the reported unit -------
    pages = (
        "/",
        "/queue/",
        "/inbox/",
        "/inbox/?show=sent",
        "/inbox/?show=closed",
        "/supervision/",
        "/messages/",
    )
    seen_on_holder_pages = set()
    for agency, users in (
        (agency_b, (handler_b, leader_b)),
        (agency_a, (handler_a, leader_a)),
        (bureau, (clerk, bureau_leader)),
        (county, (county_handler,)),
    ):
        for user in users:
            client = host_client(agency, user)
            for path in (*pages, "/api/v1/cases/", "/api/v1/cases/?open=0"):
                response = client.get(path)
                body = response.content.decode()
                look(f"{agency.code} {user.email} {path} ({response.status_code})", body)
                seen_on_holder_pages.update(t for t in trackings if t in body)
            for case in (report, refused):
                for path in (f"/case/{case.case_uuid}/", f"/api/v1/cases/{case.case_uuid}/"):
                    response = client.get(path)
                    if agency == agency_b:
                        # The reported unit finds nothing at all (not found, never forbidden).
                        assert response.status_code == 404, (agency.code, path)
                        continue
                    body = response.content.decode()
                    look(f"{agency.code} {user.email} {path} ({response.status_code})", body)
                    if response.status_code == 200:
                        seen_on_holder_pages.update(t for t in trackings if t in body)
    assert seen_on_holder_pages == set(trackings)  # control: the surfaces did show the cases

    # --- Oversight pages (and no API on the oversight host) -------------------------------------------
    oversight = host_client("dcs", supervisor)
    for path in ("/", "/search/", f"/search/?tracking_number={report.tracking_number}", "/supervision/",
                 f"/supervision/{item.pk}/", "/kpis/", "/reads/", f"/cases/{case_uuid}/"):  # fmt: skip
        response = oversight.get(path)
        look(f"dcs {path} ({response.status_code})", response.content.decode())
    look("dcs /kpis/ranking.csv", oversight.get("/kpis/ranking.csv").content.decode("utf-8-sig"))
    read = oversight.post(f"/cases/{case_uuid}/read/", {"reason": "督查核实办理情况"}, follow=True)
    assert read.status_code == 200 and report.tracking_number in read.content.decode()
    look("dcs case read", read.content.decode())
    searched = oversight.get("/search/", {"petitioner": NAME}).content.decode()
    assert report.tracking_number not in searched  # the reporter's name finds nothing
    assert oversight.get("/api/v1/cases/").status_code == 404

    # --- Every PDF kept in an agency schema ------------------------------------------------------------
    pdfs = []
    for agency in Agency.objects.exclude(schema_name="public"):
        with schema_context(agency.schema_name):
            documents = list(
                Document.objects.filter(case_id__in=[case_uuid, refused.case_uuid], generated=True)
            )
        for document in documents:
            assert document.status == DocumentStatus.READY, (agency.code, document.number)
            text = _pdf_text(document.storage_key)
            pdfs.append((agency.code, document.kind))
            look(f"PDF {agency.code} {document.kind} {document.number}", text)
    kinds = {kind for _code, kind in pdfs}
    # The re-review is decided outside the hall (the province): its hand-off notice is the hall's PDF.
    assert {"assignment_order", "acceptance_notice", "extension_notice", "handling_opinion", "review_opinion",
            "referral_notice", "forward_notice", "non_acceptance_notice"} <= kinds, kinds  # fmt: skip

    # --- Every message to anyone but the reporter -----------------------------------------------------
    staff_notes = list(Notification.objects.exclude(user=reporter))
    assert staff_notes  # control: staff heard of the arrivals and of the supervision order
    for note in staff_notes:
        look(f"inbox {note.user.email} {note.kind}", f"{note.subject}\n{note.body}\n{note.tracking_number}")
    for delivery in Delivery.objects.exclude(user=reporter):
        sent = f"{delivery.subject}\n{delivery.body}\n{delivery.params}\n{delivery.recipient_masked}"
        look(f"delivery {delivery.user.email} {delivery.template}", sent)
    others = [message for message in mail.outbox if reporter.email not in message.to]
    assert others
    for message in others:
        look(f"e-mail to {message.to}", f"{message.subject}\n{message.body}")
        for alternative, _type in getattr(message, "alternatives", []):
            look(f"e-mail to {message.to} (html)", str(alternative))

    assert leaks == []
    # Control: the reporter's own messages do name the case, and the reporter got them.
    assert any(reporter.email in message.to for message in mail.outbox)
