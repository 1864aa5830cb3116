"""The procedure, declared once (cases.procedure): for every action × case state × kind of actor, what
``allowed_actions`` says, what the service does, what the workspace page offers and what the API reports
all agree.

Each service call runs inside a savepoint that is rolled back, so every combination starts from the
same case. Inputs are valid, so a refusal can only be the procedure's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from cases import procedure, services
from cases.index.models import CaseIndex
from cases.models import Case, Document, LawfulChannel, RoutingMode
from cases.services import Actor, AttachmentInput
from config import clock
from config.errors import HallError
from tests.cases.conftest import staff

REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"
REASON = "该事项的理由写得足够清楚，请予处理。"
CHANNEL = LawfulChannel.values[0]


class Rollback(Exception):
    pass


# --- The cases: one per state of the procedure --------------------------------------------------------


def _forward(result, clerk, bureau, target, **routing):
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=target, **routing)
    return result


def _reply(result, handler_a, agency_a):
    services.reply_case(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), opinion="explain", text=REPLY
    )


def build(scenario: str, p) -> object:
    """A case in the state ``scenario`` names, reached through the services."""
    a, b, bureau = p["agency_a"], p["agency_b"], p["bureau"]
    handler = staff(p["handler_a"], a)
    if scenario == "direct":
        return p["file_petition"](agency=a)
    if scenario == "reporter":
        report = p["file_petition"](
            petition_type="report",
            title="举报住建局某工作人员违规收费",
            body="住建局某科室工作人员在办理审批时索要好处费五百元，特此举报。",
            reported_agency=b.code,
        )
        return _forward(report, p["clerk"], bureau, a)
    result = p["file_petition"]()
    citizen = Actor.citizen(p["citizen"])
    if scenario == "referred_review":
        # The bureau replied directly: its 上级机关 is outside the hall; the request is handed off there.
        services.reply_directly(
            case_uuid=result.case_uuid, actor=staff(p["clerk"], bureau), opinion="explain", text=REPLY
        )
        services.request_review(case_uuid=result.case_uuid, actor=citizen, reason=REASON)
        return result
    if scenario == "submitted":
        return result
    if scenario == "linked":
        # The same matter filed again while the first is open: linked to it (art. 19).
        return p["file_petition"](title="小区物业违规收停车费，请求退还")
    if scenario == "registered":
        services.register_case(case_uuid=result.case_uuid, actor=staff(p["clerk"], bureau))
        return result
    if scenario == "letter_replied":
        # A letter registered by staff for a petitioner without an account: its reply goes on paper.
        letter = services.submit_petition(
            actor=staff(p["clerk"], bureau),
            filed_with=bureau,
            channel="letter",
            petition=services.PetitionInput(
                petition_type="request",
                title="农村道路损毁请求修复",
                body="我村通往镇上的道路去年被洪水冲毁，至今没有修复，请求有关部门尽快修复。",
            ),
            petitioner=services.PetitionerInput(name="李四"),
        )
        _forward(letter, p["clerk"], bureau, a)
        services.accept_case(case_uuid=letter.case_uuid, actor=handler)
        _reply(letter, p["handler_a"], a)
        return letter
    if scenario == "report_pending":
        _forward(
            result,
            p["clerk"],
            bureau,
            a,
            mode=RoutingMode.ASSIGN,
            assignment_due=timezone.localdate() + timedelta(days=30),
            report_required=True,
        )
        services.accept_case(case_uuid=result.case_uuid, actor=handler)
        _reply(result, p["handler_a"], a)
        services.submit_completion_report(case_uuid=result.case_uuid, actor=handler, text=REPLY)
        return result
    _forward(result, p["clerk"], bureau, a)
    uuid = result.case_uuid
    if scenario == "received":
        return result
    if scenario == "signed":
        services.sign_case(case_uuid=uuid, actor=handler)
    elif scenario == "objected":
        services.object_to_routing(case_uuid=uuid, actor=handler, reason=REASON)
    elif scenario == "not_accepted":
        services.not_accept_case(case_uuid=uuid, actor=handler, channel=CHANNEL, reason=REASON)
    else:
        services.accept_case(case_uuid=uuid, actor=handler)
        if scenario == "extension_requested":
            services.request_extension(case_uuid=uuid, actor=handler, days=10, reason=REASON)
        elif scenario != "accepted":
            _reply(result, p["handler_a"], a)
            reached = ["replied", "review_requested", "reviewed", "rereview_requested", "closed"]
            if scenario in ("rereview_in_hall", "hearing_scheduled"):
                _rereview_in_hall(b)
                scenario = "rereview_requested"
                hearing = result.case_uuid if p["hearing"] else None
            else:
                hearing = None
            steps = [
                lambda: services.request_review(case_uuid=uuid, actor=citizen, reason=REASON),
                lambda: services.answer_review(
                    case_uuid=uuid, actor=staff(p["clerk"], bureau), opinion="explain", text=REPLY
                ),
                lambda: services.request_rereview(case_uuid=uuid, actor=citizen, reason=REASON),
                # The city government's level above is the province, outside the hall: its result is
                # entered by the bureau, which holds the case (art. 36).
                lambda: services.enter_rereview_result(
                    case_uuid=uuid,
                    actor=staff(p["clerk"], bureau),
                    opinion="explain",
                    text=REPLY,
                    decided_on=clock.today(),
                ),
            ]
            for step in steps[: reached.index(scenario)]:
                step()
            if hearing is not None:
                services.schedule_hearing(
                    case_uuid=uuid, actor=staff(p["handler_b"], b), starts_on=clock.today(), place="听证室"
                )
    return result


def _rereview_in_hall(agency):
    """A city whose level above the city government is in the hall (``agency`` decides for it)."""
    from tenants.models import ReviewBody

    above = ReviewBody.objects.create(code="test-above", name_zh="测试复核机关", agency=agency)
    ReviewBody.objects.filter(code="smx-gov").update(above=above)


SCENARIOS = [
    "submitted",
    "registered",
    "received",
    "direct",
    "signed",
    "objected",
    "not_accepted",
    "accepted",
    "extension_requested",
    "replied",
    "review_requested",
    "reviewed",
    "rereview_requested",
    "closed",
    "report_pending",
    "reporter",
    "linked",
    "letter_replied",
    "referred_review",
    "rereview_in_hall",
    "hearing_scheduled",
]


# --- Calling each service with valid input ------------------------------------------------------------


def _scan_target(index: CaseIndex):
    with schema_context(index.holder.schema_name):
        return (
            Document.objects.filter(
                case_id=index.case_uuid, agency_code=index.holder.code, generated=True, superseded=False
            )
            .values_list("pk", flat=True)
            .first()
        )


def _call(name: str, actor: Actor, case_uuid, p, index: CaseIndex, other_tracking: str):
    member = {p["bureau"].pk: p["clerk"], p["agency_a"].pk: p["handler_a"]}.get(
        index.holder_id, p["handler_b"]
    )
    opinion = {"opinion": "explain", "text": REPLY}
    inputs = {
        "register": {},
        "route": {"target": p["agency_a"]},
        "reply_directly": opinion,
        "not_accept_by_bureau": {"channel": CHANNEL, "reason": REASON},
        "merge": {"into_tracking_number": other_tracking},
        "sign": {},
        "object": {"reason": REASON},
        "send_to_bureau": {"reason": REASON},
        "decide_objection": {"approve": True},
        "accept": {},
        "not_accept": {"channel": CHANNEL, "reason": REASON},
        "assign_handler": {"handler": member},
        "note": {"text": REASON},
        "request_extension": {"days": 10, "reason": REASON},
        "decide_extension": {"approve": True},
        "reply": opinion,
        "completion_report": {"text": REPLY},
        "decide_report": {"accept": True},
        "return_report": {"reason": REASON},
        "record_delivery": {"delivered_on": clock.today()},
        "confirm_link": {},
        "undo_link": {"reason": REASON},
        "upload_scan": {
            "document_id": _scan_target(index),
            "upload": AttachmentInput(
                storage_key="scans/signed.pdf", file_name="signed.pdf", content_type="application/pdf", size=9
            ),
        },
        "close": {},
        "answer_review": opinion,
        "answer_rereview": opinion,
        "enter_review_result": {**opinion, "decided_on": clock.today()},
        "enter_rereview_result": {**opinion, "decided_on": clock.today()},
        "schedule_hearing": {"starts_on": clock.today(), "place": "听证室"},
        "close_hearing": {"ends_on": clock.today(), "minutes": REPLY},
        "decline_review": {},
        "identity": {"purpose": "核实举报线索"},
        "evaluate": {"satisfaction": "satisfied"},
        "request_review": {"reason": REASON},
        "request_rereview": {"reason": REASON},
    }
    service = getattr(services, procedure.PROCEDURE[name].service)
    return service(case_uuid=case_uuid, actor=actor, **inputs[name])


def _attempt(name, actor, case_uuid, p, index, other_tracking) -> HallError | None:
    """Run the service in a savepoint and roll it back: None if it succeeded, else its error."""
    try:
        with transaction.atomic():
            _call(name, actor, case_uuid, p, index, other_tracking)
            raise Rollback
    except Rollback:
        return None
    except HallError as exc:
        return exc


def _current(case_uuid) -> tuple[CaseIndex, Case]:
    index = CaseIndex.objects.select_related("holder").get(case_uuid=case_uuid)
    with schema_context(index.holder.schema_name):
        return index, Case.objects.get(pk=case_uuid)


@pytest.fixture
def people(
    file_petition,
    bureau,
    agency_a,
    agency_b,
    clerk,
    bureau_leader,
    handler_a,
    leader_a,
    admin_a,
    handler_b,
    citizen,
    other_citizen,
):
    return {
        "file_petition": file_petition,
        "bureau": bureau,
        "agency_a": agency_a,
        "agency_b": agency_b,
        "clerk": clerk,
        "bureau_leader": bureau_leader,
        "handler_a": handler_a,
        "leader_a": leader_a,
        "admin_a": admin_a,
        "handler_b": handler_b,
        "citizen": citizen,
        "other_citizen": other_citizen,
    }


def _actors(p) -> dict[str, Actor]:
    return {
        "bureau handler": staff(p["clerk"], p["bureau"]),
        "bureau leader": staff(p["bureau_leader"], p["bureau"]),
        "agency handler": staff(p["handler_a"], p["agency_a"]),
        "agency leader": staff(p["leader_a"], p["agency_a"]),
        "agency admin": staff(p["admin_a"], p["agency_a"]),
        "another agency": staff(p["handler_b"], p["agency_b"]),
        "petitioner": Actor.citizen(p["citizen"]),
        "another citizen": Actor.citizen(p["other_citizen"]),
        "system": Actor.system(),
    }


def _answer(refusal: procedure.Refusal | None) -> tuple[str, str]:
    return ("refused", refusal.code) if refusal else ("allowed", "")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_declaration_the_services_the_workspace_and_the_api_agree(
    scenario, people, host_client, portal_client
):
    people["hearing"] = scenario == "hearing_scheduled"
    result = build(scenario, people)
    other = people["file_petition"](
        user=people["other_citizen"],
        title="道路积水无人处理",
        body="人民路与黄河路交叉口每逢下雨积水严重，请尽快疏通。",
    )
    index, case = _current(result.case_uuid)
    today = clock.today()
    actors = _actors(people)
    disagreements = []

    # 1. The service does exactly what the declaration says, for every action and every actor.
    for who, actor in actors.items():
        for name in procedure.PROCEDURE:
            declared = procedure.refusal(name, actor, index, case, today)
            if name == "upload_scan" and declared is None and _scan_target(index) is None:
                continue  # nothing to replace: the input, not the procedure, decides
            error = _attempt(name, actor, result.case_uuid, people, index, other.tracking_number)
            did = ("refused", error.code) if error else ("allowed", "")
            if did != _answer(declared):
                disagreements.append(f"service {name} by {who}: declared {_answer(declared)}, did {did}")
            if declared and error and type(error) is not declared.error:
                disagreements.append(
                    f"service {name} by {who}: {type(error).__name__}, declared {declared.error}"
                )

    # 2. The workspace page offers exactly the allowed actions; 3. the API reports the same.
    index, case = _current(result.case_uuid)
    scan_target = _scan_target(index)
    staff_users = {
        "bureau handler": (people["bureau"], people["clerk"]),
        "bureau leader": (people["bureau"], people["bureau_leader"]),
        "agency handler": (people["agency_a"], people["handler_a"]),
        "agency leader": (people["agency_a"], people["leader_a"]),
        "agency admin": (people["agency_a"], people["admin_a"]),
        "another agency": (people["agency_b"], people["handler_b"]),
    }
    for who, (agency, user) in staff_users.items():
        actor = actors[who]
        declared = {
            name: procedure.refusal(name, actor, index, case, today) for name in procedure.STAFF_STEPS
        }
        client = host_client(agency, user)
        page = client.get(f"/case/{result.case_uuid}/")
        html = page.content.decode() if page.status_code == 200 else ""
        for name, refusal in declared.items():
            expected = refusal is None and (name != "upload_scan" or scan_target is not None)
            shown = f"/act/{name}/" in html
            if shown != expected:
                disagreements.append(
                    f"workspace {name} for {who}: shown {shown}, declared {_answer(refusal)}"
                )
        response = client.get(f"/api/v1/cases/{result.case_uuid}/")
        reported = response.json()["allowed_actions"] if response.status_code == 200 else {}
        for name, refusal in declared.items():
            if page.status_code != 200:
                if refusal is None:
                    disagreements.append(
                        f"workspace {name} for {who}: page {page.status_code}, declared allowed"
                    )
                continue
            got = reported.get(name, {})
            if (got.get("allowed"), got.get("code")) != (refusal is None, refusal.code if refusal else ""):
                disagreements.append(f"api {name} for {who}: reported {got}, declared {_answer(refusal)}")

    # The portal and the portal's API, for the petitioner and for another citizen.
    for who, user in (("petitioner", people["citizen"]), ("another citizen", people["other_citizen"])):
        actor = actors[who]
        declared = {
            name: procedure.refusal(name, actor, index, case, today) for name in procedure.CITIZEN_STEPS
        }
        portal_client.force_login(user)
        page = portal_client.get(f"/mine/{result.case_uuid}/")
        if page.status_code == 200:
            shown = {
                "evaluate": page.context["can_evaluate"],
                "request_review": page.context["review_open"],
                "request_rereview": page.context["rereview_open"],
                "decline_review": page.context["can_decline"],
            }
            for name, refusal in declared.items():
                if shown[name] != (refusal is None):
                    disagreements.append(
                        f"portal {name} for {who}: shown {shown[name]}, declared {_answer(refusal)}"
                    )
            reported = portal_client.get(f"/api/v1/petitions/{result.case_uuid}/").json()["allowed_actions"]
            for name, refusal in declared.items():
                got = reported[name]
                if (got["allowed"], got["code"]) != (refusal is None, refusal.code if refusal else ""):
                    disagreements.append(f"portal api {name} for {who}: {got}, declared {_answer(refusal)}")
        else:
            assert all(refusal is not None for refusal in declared.values()), who
        portal_client.logout()

    assert not disagreements, "\n".join(disagreements)


def test_allowed_actions_gives_the_reason_in_the_readers_language(file_petition, handler_a, agency_a):
    from django.utils import translation

    result = file_petition()
    index, case = _current(result.case_uuid)
    answer = procedure.allowed_actions(staff(handler_a, agency_a), index, case)["register"]
    assert not answer.allowed and answer.code == "bureau_required"
    with translation.override("en"):
        english = answer.as_dict()["reason"]
    with translation.override("zh-hans"):
        chinese = answer.as_dict()["reason"]
    assert chinese == "只有信访局具有相应角色的工作人员才能执行此操作。" and english != chinese


def test_every_action_is_declared_once_with_a_service():
    for name, step in procedure.PROCEDURE.items():
        assert callable(getattr(services, step.service)), name
    assert set(procedure.STAFF_STEPS) | set(procedure.CITIZEN_STEPS) == set(procedure.PROCEDURE)
