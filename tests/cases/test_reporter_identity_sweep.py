"""A reporter (检举控告) is never identifiable inside any agency schema (信访工作条例 arts. 22 ¶2, 30, 46).

Reports are filed through the portal, the API and a bureau clerk's intake, walked through every step the
services allow, and then every row of every agency schema (all text, uuid and json columns, found through
information_schema) and the text of every PDF the agencies hold are searched for the reporter's name,
ID number, phone, e-mail, user uuid and user pk. Then one test per finding of the issue.
"""

import io
import re
from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from pypdf import PdfReader

from accounts.models import Role
from accounts.services import save_profile
from cases import services
from cases.index.models import CaseIndex, ProtectedIdentity, ReporterDocument
from cases.models import Attachment, Case, CaseEvent, Document
from cases.services import Actor, PetitionerInput, PetitionInput
from config import clock
from config.errors import Forbidden, HallError, NotFound
from tenants.models import Agency, reported_unit_codes
from tests.cases.conftest import load_case, staff
from tests.conftest import make_staff, make_user
from tests.filestore.samples import pdf_bytes

NAME = "欧阳明珠"
EMAIL = "mingzhu.ouyang.whistle@example.cn"
PHONE = "13987654321"
ADDRESS = "卢氏县杜关镇幸福路88号"
REPLY = "经调查核实，反映的问题部分属实，已责令整改并对相关人员作出处理。"


def _resident_id(first17: str) -> str:
    """A valid GB 11643 resident ID: the 17 digits and their check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


ID_NUMBER = _resident_id("41122419880316537")
TEXT_TYPES = ("text", "character varying", "character", "uuid", "json", "jsonb", "inet")


@pytest.fixture(autouse=True)
def _local_files(local_storage):
    return local_storage


@pytest.fixture
def reporter(db):
    user = make_user(EMAIL, NAME)
    save_profile(user=user, full_name=NAME, id_number=ID_NUMBER, phone=PHONE, address=ADDRESS)
    return user


@pytest.fixture
def discipline(city):
    return city["jjw"]


@pytest.fixture
def jjw_handler(discipline):
    return make_staff("handler@jjw.test", discipline, Role.HANDLER)


@pytest.fixture
def jjw_leader(discipline):
    return make_staff("leader@jjw.test", discipline, Role.LEADER)


def _pdf_text(key: str) -> str:
    with default_storage.open(key, "rb") as handle:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def _file_report(user, agency, reported, *, ip=None, title="检举某单位工作人员违规收费", attachments=()):
    return services.submit_petition(
        actor=Actor.citizen(user, ip=ip),
        filed_with=agency,
        petition=PetitionInput(
            petition_type="report",
            title=title,
            body="该单位工作人员在办理业务时违规收取费用，金额较大，我有收据为证，请依法查处。",
            reported_agency=reported,
            attachments=attachments,
        ),
        petitioner=PetitionerInput(name=NAME, id_number=ID_NUMBER, phone=PHONE, address=ADDRESS),
    )


def _reply_and_review_to_the_end(case_uuid, *, reporter, holder_staff, reviewer, reviewer_leader):
    """Accept (when not yet), reply, rate, ask for review and re-review, and answer both: in the hall by
    the body above (``reviewer``, ``reviewer_leader``), or, when that body is outside the hall, by the
    holder entering its opinion (arts. 35-36)."""
    case = load_case(case_uuid)
    if case.state in ("received", "signed"):
        if case.state == "received":
            services.sign_case(case_uuid=case_uuid, actor=holder_staff)
        services.accept_case(case_uuid=case_uuid, actor=holder_staff)
    services.reply_case(case_uuid=case_uuid, actor=holder_staff, opinion="support", text=REPLY)
    me = Actor.citizen(reporter, ip="198.51.100.23")
    services.evaluate_case(case_uuid=case_uuid, actor=me, satisfaction="unsatisfied", comment="处理太轻")
    services.request_review(case_uuid=case_uuid, actor=me, reason="处理结果不能令人信服")
    review_outside = services._review_body(load_case(case_uuid)).outside
    text = "经复查，原处理意见正确，予以维持。"
    if review_outside:
        services.enter_review_result(
            case_uuid=case_uuid, actor=holder_staff, opinion="support", text=text, decided_on=clock.today()
        )
    else:
        services.answer_review(case_uuid=case_uuid, actor=reviewer, opinion="support", text=text)
    services.request_rereview(case_uuid=case_uuid, actor=me, reason="仍然不服复查意见")
    text = "经复核，复查意见正确，予以维持。"
    if services._rereview_body(load_case(case_uuid)).outside:
        services.enter_rereview_result(
            case_uuid=case_uuid,
            actor=holder_staff if review_outside else reviewer,
            opinion="support",
            text=text,
            decided_on=clock.today(),
        )
    else:
        services.answer_rereview(case_uuid=case_uuid, actor=reviewer_leader, opinion="support", text=text)


def _agency_values():
    """(schema, table, column, value) for every non-null text, uuid and json value in every agency schema."""
    quote = connection.ops.quote_name
    for agency in Agency.objects.exclude(schema_name="public"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND data_type = ANY(%s) ORDER BY table_name, ordinal_position",
                [agency.schema_name, list(TEXT_TYPES)],
            )
            columns = defaultdict(list)
            for table, column in cursor.fetchall():
                columns[table].append(column)
            for table, names in columns.items():
                select = ", ".join(f"{quote(name)}::text" for name in names)
                cursor.execute(f"SELECT {select} FROM {quote(agency.schema_name)}.{quote(table)}")  # noqa: S608
                for row in cursor.fetchall():
                    for name, value in zip(names, row, strict=True):
                        if value is not None:
                            yield agency.schema_name, table, name, value


def _agency_pdfs():
    for agency in Agency.objects.exclude(schema_name="public"):
        with schema_context(agency.schema_name):
            documents = list(Document.objects.filter(content_type="application/pdf"))
        for document in documents:
            if default_storage.exists(document.storage_key):
                yield agency.code, document, _pdf_text(document.storage_key)


def test_no_agency_schema_row_or_pdf_identifies_the_reporter(
    reporter, portal_client, host_client, city, bureau, clerk, bureau_leader, agency_a, handler_a,
    discipline, jjw_handler, jjw_leader,
):  # fmt: skip
    lbs_handler = make_staff("handler@lbs.test", city["lbs"], Role.HANDLER)
    zjj_handler = make_staff("handler@zjj.test", city["zjj"], Role.HANDLER)
    zjj_leader = make_staff("leader@zjj.test", city["zjj"], Role.LEADER)

    # 1. The portal: a report against 公安局 with the bureau, with a file named after the reporter.
    portal_client.force_login(reporter)
    page = portal_client.get("/file/").content.decode()
    sid = re.search(r'name="submission_id" value="([0-9a-f-]{36})"', page).group(1)
    response = portal_client.post(
        "/file/",
        {
            "submission_id": sid,
            "petition_type": "report",
            "title": "检举公安局民警办证索要好处费",
            "body": "公安局某派出所民警在办理户口迁移时向我索要好处费五百元，我有转账记录为证。",
            "location": "湖滨区",
            "people_count": "1",
            "is_public": "0",
            "reported_agency": "gaj",
            "attachments": SimpleUploadedFile(f"{NAME}{PHONE}转账记录.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert portal_client.post("/file/review/", {"submission_id": sid}).status_code == 302
    portal = CaseIndex.objects.get(case_uuid=sid)
    assert portal.holder == bureau and portal.citizen == reporter
    # The bureau assigns it (交办) to 住建局, which handles it; the bureau reviews, its leader re-reviews.
    services.register_case(case_uuid=portal.case_uuid, actor=staff(clerk, bureau))
    services.forward_case(
        case_uuid=portal.case_uuid,
        actor=staff(clerk, bureau),
        target=city["zjj"],
        mode="assign",
        assignment_due=timezone.localdate() + timedelta(days=20),
        report_required=True,
        message="请依法调查处理",
    )
    zjj = staff(zjj_handler, city["zjj"])
    services.assign_handler(
        case_uuid=portal.case_uuid, actor=staff(zjj_leader, city["zjj"]), handler=zjj_handler
    )
    services.sign_case(case_uuid=portal.case_uuid, actor=zjj)
    services.accept_case(case_uuid=portal.case_uuid, actor=zjj)
    services.request_extension(case_uuid=portal.case_uuid, actor=zjj, days=10, reason="需要调取银行流水")
    services.decide_extension(case_uuid=portal.case_uuid, actor=staff(zjj_leader, city["zjj"]), approve=True)
    services.add_note(case_uuid=portal.case_uuid, actor=zjj, text="已约谈涉事民警所在派出所负责人")
    _reply_and_review_to_the_end(
        portal.case_uuid,
        reporter=reporter,
        holder_staff=zjj,
        reviewer=staff(clerk, bureau),
        reviewer_leader=staff(bureau_leader, bureau),
    )

    # 2. The API: a report against the bureau itself (typed in capitals): the discipline body handles it.
    api = portal_client.post(
        "/api/v1/petitions/",
        data={
            "petition_type": "report",
            "title": "检举信访局工作人员泄露信访人信息",
            "body": "信访局某工作人员把我的信访材料透露给被反映单位，导致我受到打击报复，请依法查处。",
            "reported_agency": " XFJ ",
        },
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    through_api = CaseIndex.objects.get(case_uuid=api.json()["id"])
    assert through_api.holder == discipline
    _reply_and_review_to_the_end(
        through_api.case_uuid,
        reporter=reporter,
        holder_staff=staff(jjw_handler, discipline),
        reviewer=staff(jjw_handler, discipline),
        reviewer_leader=staff(jjw_leader, discipline),
    )

    # 3. Staff intake: a letter registered by the bureau's clerk, claimed online by the reporter, forwarded
    # to 灵宝市, which does not accept it.
    intake = host_client(bureau, clerk).post(
        "/intake/",
        {
            "channel": "letter",
            "petitioner_name": NAME,
            "petitioner_id_number": ID_NUMBER,
            "petitioner_phone": PHONE,
            "petitioner_address": ADDRESS,
            "petition_type": "report",
            "reported_agency": "gaj",
            "title": "来信检举公安局交警违规罚款",
            "body": "交警大队某民警在灵宝市路段违规罚款不开票据，请依法查处。",
            "location": "灵宝市",
            "people_count": "1",
            "attachment": SimpleUploadedFile(f"{NAME}的来信.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert intake.status_code == 201, intake.content.decode()
    by_letter = CaseIndex.objects.get(title="来信检举公安局交警违规罚款")
    query_code = re.search(r"[A-HJ-NP-Z2-9]{8}", intake.content.decode().split("查询码")[1]).group(0)
    services.claim_petition(
        actor=Actor.citizen(reporter, ip="198.51.100.24"),
        tracking_number=by_letter.tracking_number,
        query_code=query_code,
    )
    assert CaseIndex.objects.get(pk=by_letter.pk).citizen == reporter
    services.forward_case(case_uuid=by_letter.case_uuid, actor=staff(clerk, bureau), target=city["lbs"])
    services.not_accept_case(
        case_uuid=by_letter.case_uuid,
        actor=staff(lbs_handler, city["lbs"]),
        channel="other_statutory",
        reason="该事项应当向纪检监察机关检举",
    )

    # The sweep sees the cases (a control), and nothing that identifies the reporter.
    values = list(_agency_values())
    for tracking in (portal.tracking_number, through_api.tracking_number, by_letter.tracking_number):
        assert any(tracking in value for *_where, value in values), tracking
    needles = {NAME, ID_NUMBER, ID_NUMBER.lower(), PHONE, EMAIL, str(reporter.uuid), reporter.uuid.hex}
    leaks = [
        (schema, table, column, value[:80])
        for schema, table, column, value in values
        if any(needle in value for needle in needles) or value == str(reporter.pk)
    ]
    assert leaks == []

    pdfs = list(_agency_pdfs())
    assert len(pdfs) >= 12  # notices, orders, opinions of three cases
    named = [
        (code, doc.number)
        for code, doc, text in pdfs
        if any(n in text for n in (NAME, ID_NUMBER, PHONE, EMAIL))
    ]
    assert named == []
    assert any("检举人" in text for *_d, text in pdfs)
    # Control: the reporter's own copies (public schema, non-agency prefix) do name them.
    copies = list(ReporterDocument.objects.filter(case_uuid__in=[portal.case_uuid, through_api.case_uuid]))
    assert copies and all(copy.storage_key.startswith("vault/") for copy in copies)
    assert all(NAME in _pdf_text(copy.storage_key) for copy in copies)


# --- Finding 1: the reported unit is a registry code, not free text -------------------------------------


def test_a_report_naming_the_unit_in_capitals_or_with_spaces_never_reaches_it(reporter, agency_a, bureau):
    for typed in ("GAJ", " gaj ", "gaj "):
        result = _file_report(
            reporter, agency_a, typed, title=f"检举公安局违规收费{typed.strip()}{len(typed)}"
        )
        assert result.holder_code == bureau.code, typed
        assert ProtectedIdentity.objects.get(case_uuid=result.case_uuid).reported_agency == "gaj"
        assert load_case(result.case_uuid).reported_agency == "gaj"
        with schema_context(agency_a.schema_name):
            assert not Case.objects.filter(pk=result.case_uuid).exists()


def test_an_unknown_or_missing_reported_unit_is_refused_with_a_field_error(reporter, bureau):
    for typed in ("公安局", "nope", ""):
        with pytest.raises(HallError) as caught:
            _file_report(reporter, bureau, typed)
        assert caught.value.code == "invalid_petition"
        assert "reported_agency" in caught.value.details["fields"], typed
    assert not CaseIndex.objects.filter(citizen=reporter).exists()


def test_the_api_and_the_intake_form_accept_only_registry_codes(
    reporter, portal_client, host_client, agency_a, handler_a, bureau
):
    portal_client.force_login(reporter)
    report = {
        "agency": "gaj",
        "petition_type": "report",
        "title": "检举公安局",
        "body": "公安局违规收费，请查处。" * 2,
    }
    refused = portal_client.post(
        "/api/v1/petitions/",
        data={**report, "reported_agency": "公安局"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "reported_agency" in refused.content.decode()
    filed = portal_client.post(
        "/api/v1/petitions/",
        data={**report, "reported_agency": "GAJ"},
        content_type="application/json",
    )
    assert filed.status_code == 201 and filed.json()["holder"] == bureau.code
    # The intake form is a choice among registry codes: free text is refused, the code is taken.
    form = {
        "channel": "visit",
        "petitioner_name": NAME,
        "petition_type": "report",
        "title": "来访检举公安局民警",
        "body": "公安局某民警违规办理业务，收取好处费，请依法查处。",
        "people_count": "1",
    }
    client = host_client(agency_a, handler_a)
    for typed in ("GAJ", "公安局", ""):
        assert client.post("/intake/", {**form, "reported_agency": typed}).status_code == 400, typed
    assert client.post("/intake/", {**form, "reported_agency": "gaj"}).status_code == 201
    index = CaseIndex.objects.get(title="来访检举公安局民警")
    assert index.holder == bureau and index.filed_with == agency_a
    assert 'value="jjw"' in client.get("/intake/").content.decode()


def test_the_portal_form_requires_a_reported_unit_from_the_registry(reporter, portal_client):
    portal_client.force_login(reporter)
    page = portal_client.get("/file/").content.decode()
    sid = re.search(r'name="submission_id" value="([0-9a-f-]{36})"', page).group(1)
    base = {
        "submission_id": sid,
        "petition_type": "report",
        "title": "检举某单位违规收费",
        "body": "某单位工作人员违规收取费用，请依法查处。",
        "people_count": "1",
        "is_public": "0",
    }
    for typed in ("", "GAJ ", "公安局"):
        response = portal_client.post("/file/", {**base, "reported_agency": typed})
        assert response.status_code == 400, typed
    assert portal_client.post("/file/", {**base, "reported_agency": "xfj"}).status_code == 302


# --- Finding 2: a report against the bureau goes to the discipline body; dcs is part of the bureau ------


def test_the_supervision_office_is_part_of_the_reported_bureau(city):
    assert {"xfj", "dcs"} <= reported_unit_codes("xfj") and "jjw" not in reported_unit_codes("xfj")
    assert reported_unit_codes("dcs") == reported_unit_codes("xfj")
    assert reported_unit_codes("gaj") == {"gaj"} and reported_unit_codes("") == frozenset()


def test_a_report_against_the_bureau_lands_with_the_discipline_body_and_dcs_cannot_read_it(
    reporter, bureau, discipline, jjw_handler, supervisor, clerk, handler_a, agency_a
):
    evidence = services.AttachmentInput("public/attachments/2026/x/e.pdf", "e.pdf", "application/pdf", 9)
    result = _file_report(reporter, bureau, "xfj", attachments=[evidence])
    assert result.holder_code == discipline.code
    for agency in (bureau, Agency.objects.get(code="dcs")):
        with schema_context(agency.schema_name):
            assert not Case.objects.filter(pk=result.case_uuid).exists()
    for actor in (staff(supervisor, Agency.objects.get(code="dcs")), staff(clerk, bureau)):
        with pytest.raises(Forbidden) as caught:
            services.read_protected_identity(case_uuid=result.case_uuid, actor=actor, purpose="督查核实")
        assert caught.value.code == "reported_agency"
    with pytest.raises(NotFound):
        services.read_protected_identity(
            case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), purpose="x"
        )
    identity = services.read_protected_identity(
        case_uuid=result.case_uuid, actor=staff(jjw_handler, discipline), purpose="联系检举人核实线索"
    )
    assert identity["name"] == NAME
    # Nor does the supervision office see the reporter's materials.
    from cases import queries
    from cases.access import case_for_oversight

    view = case_for_oversight(result.case_uuid, viewer=discipline)
    assert queries.attachments(view, viewer_agency=Agency.objects.get(code="dcs")) == []
    assert len(queries.attachments(view, viewer_agency=discipline)) == 1
    # Nor can the discipline body hand it back to the bureau.
    with pytest.raises(Forbidden):
        services.send_to_bureau(
            case_uuid=result.case_uuid, actor=staff(jjw_handler, discipline), reason="不属于本机关"
        )
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).holder == discipline


def test_dcs_still_reads_the_identity_of_a_report_against_another_unit(
    reporter, bureau, supervisor, oversight
):
    result = _file_report(reporter, bureau, "gaj")
    identity = services.read_protected_identity(
        case_uuid=result.case_uuid, actor=staff(supervisor, oversight), purpose="督查核实"
    )
    assert identity["phone"] == PHONE


def test_a_report_against_the_bureau_is_reviewed_by_the_discipline_body_never_the_bureau(
    reporter, bureau, clerk, discipline, jjw_handler, jjw_leader
):
    result = _file_report(reporter, bureau, "xfj")
    jjw = staff(jjw_handler, discipline)
    services.accept_case(case_uuid=result.case_uuid, actor=jjw)
    services.reply_case(case_uuid=result.case_uuid, actor=jjw, opinion="explain", text=REPLY)
    services.request_review(case_uuid=result.case_uuid, actor=Actor.citizen(reporter), reason="不服处理意见")
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).holder == discipline
    with pytest.raises(Forbidden):
        services.answer_review(
            case_uuid=result.case_uuid, actor=staff(clerk, bureau), opinion="support", text=REPLY
        )
    # The discipline body handled it, so the level above it reviews (中共河南省纪委监委, outside the
    # hall): the discipline body enters that opinion; the bureau never sees the case (arts. 35, 46).
    services.enter_review_result(
        case_uuid=result.case_uuid, actor=jjw, opinion="support", text=REPLY, decided_on=clock.today()
    )
    with schema_context(bureau.schema_name):
        assert not Case.objects.filter(pk=result.case_uuid).exists()
    # The handling opinion never points the reporter to the bureau for review.
    copy = ReporterDocument.objects.get(case_uuid=result.case_uuid, kind="handling_opinion")
    assert bureau.name_zh not in _pdf_text(copy.storage_key)


def test_a_report_is_never_forwarded_or_merged_into_the_reported_unit(
    reporter, file_petition, bureau, clerk, agency_a, handler_a
):
    report = _file_report(reporter, bureau, "gaj")
    with pytest.raises(Forbidden):
        services.forward_case(case_uuid=report.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    earlier = _file_report(reporter, bureau, "zjj", title="检举住建局违规审批")
    services.forward_case(case_uuid=earlier.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    with pytest.raises(Forbidden):  # held by the unit the report is against
        services.merge_case(
            case_uuid=report.case_uuid,
            actor=staff(clerk, bureau),
            into_tracking_number=earlier.tracking_number,
        )
    ordinary = file_petition(title="普通投诉物业乱收费")
    with pytest.raises(HallError) as caught:  # would tie the reporter to a named petitioner
        services.merge_case(
            case_uuid=report.case_uuid,
            actor=staff(clerk, bureau),
            into_tracking_number=ordinary.tracking_number,
        )
    assert caught.value.code == "merge_report_mismatch"


def test_routing_suggestions_for_a_report_lead_with_the_discipline_body(reporter, bureau, clerk, host_client):
    report = _file_report(reporter, bureau, "gaj", title="检举派出所民警办户口索要好处")
    from cases.workspace.reads import routing_targets, suggest_agencies

    case = load_case(report.case_uuid)
    suggestions = suggest_agencies(case)
    assert suggestions[0].agency.code == "jjw" and all(s.agency.code != "gaj" for s in suggestions)
    assert "gaj" not in {a.code for a in routing_targets(bureau, case)}
    page = host_client(bureau, clerk).get(f"/case/{report.case_uuid}/").content.decode()
    suggested = page.split("建议的办理单位")[-1].split("</section>")[0]
    assert "中共三门峡市纪律检查委员会" in suggested


# --- Finding 3: documents in agency schemas never name the reporter ---------------------------------------


def test_pdfs_in_agency_schemas_address_a_placeholder_and_the_reporter_gets_a_named_copy(
    reporter, bureau, clerk, agency_a, handler_a, portal_client, other_citizen
):
    result = _file_report(reporter, bureau, "zjj")
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    with schema_context(agency_a.schema_name):
        documents = list(Document.objects.filter(case_id=result.case_uuid))
    assert {d.kind for d in documents} == {"forward_notice", "acceptance_notice"}
    for document in documents:
        text = _pdf_text(document.storage_key)
        assert NAME not in text and "检举人：" in text, document.kind
    notice = next(d for d in documents if d.kind == "acceptance_notice")
    copy = ReporterDocument.objects.get(document_id=notice.pk)
    assert copy.storage_key.startswith("vault/") and f"{NAME}：" in _pdf_text(copy.storage_key)
    # The portal serves the named copy to the reporter only.
    portal_client.force_login(reporter)
    url = f"/mine/{result.case_uuid}/documents/{notice.pk}/"
    response = portal_client.get(url)
    assert response.status_code == 302
    served = portal_client.get(response["Location"])
    assert NAME in "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(b"".join(served.streaming_content))).pages
    )
    api = portal_client.get(f"/api/v1/petitions/{result.case_uuid}/").json()
    # The same file (a link's timestamp and signature differ from one second to the next).
    assert {d["download_url"].rsplit(":", 2)[0] for d in api["documents"] if d["id"] == str(notice.pk)} == {
        response["Location"].rsplit(":", 2)[0]
    }
    portal_client.force_login(other_citizen)
    assert portal_client.get(url).status_code == 404


# --- Finding 4: no citizen id, actor id or IP address of the reporter in agency schemas -------------------


def test_reports_keep_no_citizen_uuid_actor_uuid_or_ip(
    reporter, bureau, clerk, agency_a, handler_a, portal_client
):
    file = SimpleUploadedFile("x.pdf", pdf_bytes(), "application/pdf")
    key = default_storage.save(f"public/attachments/2026/abc/{NAME}的证据.pdf", file)
    upload = services.AttachmentInput(
        storage_key=key, file_name=f"{NAME}的证据.pdf", content_type="application/pdf", size=10
    )
    result = _file_report(reporter, bureau, "zjj", ip="203.0.113.7", attachments=[upload])
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.reply_case(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), opinion="explain", text=REPLY
    )
    me = Actor.citizen(reporter, ip="203.0.113.8")
    services.evaluate_case(case_uuid=result.case_uuid, actor=me, satisfaction="satisfied")
    for agency in (bureau, agency_a):
        with schema_context(agency.schema_name):
            assert Case.objects.get(pk=result.case_uuid).citizen_uuid is None
            events = list(CaseEvent.objects.filter(case_id=result.case_uuid, actor_role="citizen"))
            attachments = list(Attachment.objects.filter(case_id=result.case_uuid))
        assert events and all(e.actor_uuid is None and e.ip_address is None for e in events)
        assert [a.file_name for a in attachments] == ["report-material-1.pdf"]
        assert all(NAME not in a.storage_key and default_storage.exists(a.storage_key) for a in attachments)
    # The portal still finds the report through the public index.
    portal_client.force_login(reporter)
    assert result.tracking_number in portal_client.get("/mine/").content.decode()
    assert portal_client.get(f"/mine/{result.case_uuid}/").status_code == 200


def test_an_ordinary_petition_keeps_its_citizen_and_actor(reporter, bureau):
    result = services.submit_petition(
        actor=Actor.citizen(reporter, ip="203.0.113.9"),
        filed_with=bureau,
        petition=PetitionInput(
            petition_type="complaint", title="物业乱收费", body="小区物业违规多收停车费，请查处。"
        ),
        petitioner=PetitionerInput(name=NAME),
    )
    case = load_case(result.case_uuid)
    with schema_context(bureau.schema_name):
        event = CaseEvent.objects.get(case_id=result.case_uuid)
    assert (
        case.citizen_uuid == reporter.uuid
        and event.actor_uuid == reporter.uuid
        and event.ip_address == "203.0.113.9"
    )


def test_the_supervision_office_neither_finds_reads_nor_supervises_a_report_against_the_bureau(
    reporter, citizen, bureau, discipline, supervisor, oversight, host_client
):
    from cases.oversight import services as ovs_services
    from cases.oversight.models import SupervisionItem

    against_bureau = _file_report(reporter, bureau, "xfj", title="检举信访局工作人员推诿敷衍")
    # Another reporter: the same reporter's second report of like text would be linked (art. 19).
    against_gaj = _file_report(citizen, bureau, "gaj", title="检举公安局工作人员推诿敷衍")
    client = host_client(oversight, supervisor)
    found = client.get("/search/", {"text": "推诿敷衍"}).content.decode()
    assert against_gaj.tracking_number in found and against_bureau.tracking_number not in found
    read = client.post(f"/cases/{against_bureau.case_uuid}/read/", {"reason": "督查核实"})
    assert read.status_code == 404
    assert client.post(f"/cases/{against_gaj.case_uuid}/read/", {"reason": "督查核实"}).status_code == 302
    with pytest.raises(NotFound):
        ovs_services.issue_supervision(
            actor=staff(supervisor, oversight),
            agency=discipline,
            case_uuids=[against_bureau.case_uuid],
            kind="reminder",
            message="请抓紧办理",
            answer_due=timezone.localdate() + timedelta(days=5),
        )
    # Both overdue in handling: the sweep reminds the holder of the report against 公安局 only.
    today = timezone.localdate()
    # (The sweep watches the declared clocks: handling runs in the accepted state, read on its day.)
    CaseIndex.objects.filter(case_uuid__in=[against_bureau.case_uuid, against_gaj.case_uuid]).update(
        next_due=today - timedelta(days=4),
        next_due_kind="handling",
        state="accepted",
        handling_due=today - timedelta(days=4),
        sweep_next=today,
    )
    ovs_services.sweep_deadlines(today=today)
    reminded = set(SupervisionItem.objects.values_list("auto_case_uuid", flat=True))
    assert against_gaj.case_uuid in reminded and against_bureau.case_uuid not in reminded


# --- Routes found by a review after the first fixes --------------------------------------------------


def test_a_report_is_never_linked_into_a_report_against_another_unit(reporter, bureau, clerk, agency_a):
    """Linked into a report against 住建局, a report against 公安局 would follow it to 公安局 (art. 46)."""
    against_zjj = _file_report(reporter, bureau, "zjj")
    against_gaj = _file_report(reporter, bureau, "gaj")  # the same text: the same matter, another unit
    assert against_gaj.state != "linked" and against_gaj.linked_to is None
    services.forward_case(case_uuid=against_zjj.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    with schema_context(agency_a.schema_name):
        messages = " ".join(CaseEvent.objects.values_list("message", flat=True))
    assert against_gaj.tracking_number not in messages
    # Against the same unit it is the same matter, linked as before (art. 19).
    again = _file_report(reporter, bureau, "zjj")
    assert again.state == "linked" and again.linked_to == against_zjj.case_uuid


def test_reports_against_different_units_are_not_merged(reporter, citizen, bureau, clerk):
    against_zjj = _file_report(reporter, bureau, "zjj", title="检举住建局工作人员吃拿卡要")
    against_gaj = _file_report(citizen, bureau, "gaj", title="检举公安局窗口人员吃拿卡要")
    with pytest.raises(HallError) as caught:
        services.merge_case(
            case_uuid=against_gaj.case_uuid,
            actor=staff(clerk, bureau),
            into_tracking_number=against_zjj.tracking_number,
        )
    assert caught.value.code == "merge_report_mismatch"


def test_a_report_against_the_bureau_filed_with_a_department_goes_to_the_discipline_body(
    reporter, agency_a, discipline
):
    result = _file_report(reporter, agency_a, "xfj", title="检举信访局工作人员推诿")
    assert result.holder_code == discipline.code
    with schema_context(agency_a.schema_name):
        assert not Case.objects.filter(pk=result.case_uuid).exists()


def test_report_materials_from_staff_intake_leave_the_intake_agencys_storage_prefix(
    bureau, agency_a, handler_a, django_capture_on_commit_callbacks
):
    """A letter registered at 公安局 reporting 公安局: its scan was stored under 公安局's prefix."""
    from filestore.services import store_bytes

    key = store_bytes(
        schema_name=agency_a.schema_name,
        category="documents",
        filename="欧阳明珠举报信.pdf",
        data=pdf_bytes(),
        content_type="application/pdf",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = services.submit_petition(
            actor=staff(handler_a, agency_a),
            filed_with=agency_a,
            channel="letter",
            petition=PetitionInput(
                petition_type="report",
                title="检举公安局窗口人员索要好处费",
                body="窗口人员多次索要好处费，金额数千元，请依法查处。",
                reported_agency="gaj",
                attachments=[services.AttachmentInput(key, "欧阳明珠举报信.pdf", "application/pdf", 9)],
            ),
            petitioner=PetitionerInput(name=NAME, id_number=ID_NUMBER, phone=PHONE, address=ADDRESS),
        )
    assert result.holder_code == bureau.code
    with schema_context(bureau.schema_name):
        (stored,) = Attachment.objects.filter(case_id=result.case_uuid)
    assert not stored.storage_key.startswith(f"{agency_a.schema_name}/"), stored.storage_key
    assert stored.storage_key.startswith(f"{services.REPORTER_STORAGE_PREFIX}/")
    assert NAME not in stored.storage_key and default_storage.exists(stored.storage_key)
    assert not default_storage.exists(key)  # the original, under 公安局's prefix, is gone after commit
