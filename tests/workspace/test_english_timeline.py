"""English that is English (issue 14 item 6): the steps of a case, the inbox, document names and
agency descriptions are put into the reader's language when they are read; what people typed stays
as typed, and rows the catalogue does not know show what was stored."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from cases import services, wording
from cases.models import CaseEvent, RoutingMode
from cases.oversight import services as ovs_services
from cases.oversight.models import SupervisionKind
from cases.services import Actor
from tests.cases.conftest import staff
from tests.workspace.conftest import case_url

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2018-\u201d]")
TITLE = "小区电梯长期故障"
EXTENSION_REASON = "需要会同住建部门现场勘查"
ORDER_TEXT = "请于期限内报告办理进展。"
REPLY = "经查，电梯维修资金已拨付，物业公司将于本月内完成维修。"
ACCEPT_NOTE = "请保持电话畅通，承办人将与您联系。"


@pytest.fixture
def walked(
    file_petition,
    citizen,
    clerk,
    bureau,
    agency_a,
    handler_a,
    leader_a,
    supervisor,
    oversight,
    django_capture_on_commit_callbacks,
):
    """A petition registered, assigned (交办), signed, accepted, supervised, extended, replied, rated;
    the notices go out as after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return _walk(
            file_petition, citizen, clerk, bureau, agency_a, handler_a, leader_a, supervisor, oversight
        )


def _walk(file_petition, citizen, clerk, bureau, agency_a, handler_a, leader_a, supervisor, oversight):
    result = file_petition(
        title=TITLE, body="我家小区的电梯已经坏了三个月，物业一直不修，老人上下楼非常困难。"
    )
    case_uuid = result.case_uuid
    services.register_case(case_uuid=case_uuid, actor=staff(clerk, bureau))
    services.forward_case(
        case_uuid=case_uuid,
        actor=staff(clerk, bureau),
        target=agency_a,
        mode=RoutingMode.ASSIGN,
        assignment_due=timezone.localdate() + timedelta(days=30),
        report_required=True,
    )
    services.sign_case(case_uuid=case_uuid, actor=staff(handler_a, agency_a))
    services.accept_case(case_uuid=case_uuid, actor=staff(handler_a, agency_a), message=ACCEPT_NOTE)
    ovs_services.issue_supervision(
        actor=staff(supervisor, oversight),
        agency=agency_a,
        case_uuids=[case_uuid],
        kind=SupervisionKind.ORDER,
        message=ORDER_TEXT,
        answer_due=timezone.localdate() + timedelta(days=10),
    )
    services.request_extension(
        case_uuid=case_uuid, actor=staff(handler_a, agency_a), days=20, reason=EXTENSION_REASON
    )
    services.decide_extension(case_uuid=case_uuid, actor=staff(leader_a, agency_a), approve=True)
    services.reply_case(case_uuid=case_uuid, actor=staff(handler_a, agency_a), opinion="support", text=REPLY)
    services.evaluate_case(case_uuid=case_uuid, actor=Actor.citizen(citizen), satisfaction="satisfied")
    return result


def _between(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def _without(text: str, *typed: str) -> str:
    for words in typed:
        text = text.replace(words, "")
    return text


def test_the_english_timeline_has_no_chinese_but_what_people_typed(
    walked, host_client, portal_client, agency_a, handler_a, citizen
):
    client = host_client(agency_a, handler_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    staff_timeline = _between(
        client.get(case_url(walked)).content.decode(), '<ol class="ws-timeline">', "</ol>"
    )
    portal_client.force_login(citizen)
    portal_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = portal_client.get(f"/mine/{walked.case_uuid}/").content.decode()
    citizen_timeline = _between(page, '<ol class="portal-timeline">', "</ol>")
    typed = (TITLE, EXTENSION_REASON, ORDER_TEXT, citizen.full_name)
    for timeline in (staff_timeline, citizen_timeline):
        assert "assigned the petition to Public Security Bureau" in timeline
        assert "Signed for by Public Security Bureau" in timeline
        assert EXTENSION_REASON in timeline  # typed words stay as typed
        assert CJK.findall(_without(timeline, *typed)) == [], _without(timeline, *typed)
    assert ORDER_TEXT in staff_timeline


def test_the_chinese_timeline_is_the_stored_one(walked, host_client, agency_a, handler_a):
    page = host_client(agency_a, handler_a).get(case_url(walked)).content.decode()
    timeline = _between(page, '<ol class="ws-timeline">', "</ol>")
    with schema_context(agency_a.schema_name):
        stored = [e.message for e in CaseEvent.objects.filter(case_id=walked.case_uuid) if e.message]
    assert stored and all(message in timeline for message in stored)
    assert "信访局已将信访事项交办公安局办理" not in timeline  # (the full name is used)
    assert "信访局已将信访事项交办三门峡市公安局办理。" in timeline


def test_unknown_or_typed_messages_are_shown_as_stored(db):
    with translation.override("en"):
        assert wording.render_sentence("一条旧的、目录里没有的消息") == "一条旧的、目录里没有的消息"
        assert wording.render_sentence("信访人评价：满意") == "Petitioner's rating: Satisfied"
        # A parameter that someone typed keeps their words.
        assert wording.render_sentence("不予受理，请通过诉讼途径解决：属于民事纠纷") == (
            "Not accepted; please use Litigation: 属于民事纠纷"
        )
        # Typed words that look like one of the hall's sentences stay as typed.
        assert wording.render_sentence("材料已签收。") == "材料已签收。"
        assert wording.render_sentence("信访人评价：还行") == "信访人评价：还行"
    with translation.override("zh-hans"):
        assert wording.render_sentence("Petitioner's rating: Satisfied") == "信访人评价：满意"


def test_document_names_and_agency_descriptions_in_english(walked, agency_a, portal_client):
    from cases.models import Document

    with schema_context(agency_a.schema_name):
        documents = list(Document.objects.filter(case_id=walked.case_uuid))
    with translation.override("en"):
        titles = {wording.document_title(d) for d in documents}
        assert "Acceptance notice" in titles and not any(CJK.search(t) for t in titles)
    portal_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    home = portal_client.get("/").content.decode()
    grid = _between(home, '<ul class="agency-grid">', "</ul>")
    assert CJK.findall(grid) == [], grid[:500]


def test_inbox_messages_in_the_readers_language(
    walked, citizen, portal_client, host_client, agency_a, handler_a
):
    portal_client.force_login(citizen)
    chinese = portal_client.get("/inbox/").content.decode()
    assert "您的信访事项已交办有关单位办理" in chinese
    portal_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = portal_client.get("/inbox/").content.decode()
    inbox = _between(english, '<ul class="portal-inbox">', "</ul>")
    assert "Public Security Bureau" in inbox
    assert CJK.findall(_without(inbox, TITLE)) == [], _without(inbox, TITLE)
    staff_client = host_client(agency_a, handler_a)
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    messages = _between(staff_client.get("/messages/").content.decode(), '<ul class="ws-messages">', "</ul>")
    assert CJK.findall(_without(messages, TITLE)) == [], _without(messages, TITLE)


def test_an_inbox_row_without_params_shows_what_was_stored(citizen, portal_client):
    from notifications.models import Notification

    Notification.objects.create(user=citizen, kind="accepted", subject="旧的主题", body="旧的正文")
    portal_client.force_login(citizen)
    portal_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = portal_client.get("/inbox/").content.decode()
    assert "旧的主题" in page and "旧的正文" in page


def test_every_sentence_of_the_catalogue_is_a_services_sentence_and_has_english():
    """The renderer's catalogue follows the services: each sentence is one a service writes (its
    msgid is a string in cases/), and each has an English translation without Chinese."""
    import ast
    from pathlib import Path

    root = Path(wording.__file__).resolve().parent
    strings = set()
    for path in root.rglob("*.py"):
        if path.name == "wording.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
    for msgid in wording.EVENT_SENTENCES:
        assert msgid in strings, f"no service writes {msgid!r}"
        with translation.override("en"):
            english = translation.gettext(msgid)
        assert english != msgid and not CJK.search(english), (msgid, english)
