"""The reply form refuses characters the handling opinion could not print, and keeps the text."""

from cases.models import CaseState
from tests.cases.conftest import load_case
from tests.workspace.conftest import case_url

REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"


def test_a_reply_with_an_unprintable_character_is_refused_and_keeps_the_text(
    host_client, agency_a, handler_a, accepted
):
    text = REPLY + "负责人：𠮷某"
    response = host_client(agency_a, handler_a).post(
        case_url(accepted, "reply"), {"reply-opinion": "support", "reply-text": text}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "无法打印在信访文书上" in page and "U+20BB7" in page and text in page
    assert load_case(accepted.case_uuid).state == CaseState.ACCEPTED
