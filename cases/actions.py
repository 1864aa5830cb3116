"""One action registry for the workspace and the API: each action's name, the service it calls and its
typed input.

The names are the procedure's (cases.procedure.PROCEDURE), snake_case on every surface. The workspace
builds each action's input from its form, the API from its per-action serializer; both then call
``perform``, so an action takes the same input and refuses with the same error wherever it is taken.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from accounts.models import User
from cases import procedure, services
from cases.models import RoutingMode
from cases.services import Actor, AttachmentInput
from tenants.models import Agency


@dataclass(frozen=True)
class NoInput:
    pass


@dataclass(frozen=True)
class RouteInput:
    target: Agency
    mode: str = RoutingMode.FORWARD
    assignment_due: date | None = None
    report_required: bool = False
    message: str = ""


@dataclass(frozen=True)
class OpinionInput:
    opinion: str
    text: str


@dataclass(frozen=True)
class ReplyInput:
    opinion: str
    text: str
    attachments: tuple[AttachmentInput, ...] = ()


@dataclass(frozen=True)
class LawfulChannelInput:
    channel: str
    reason: str


@dataclass(frozen=True)
class MergeInput:
    into_tracking_number: str


@dataclass(frozen=True)
class ReasonInput:
    reason: str


@dataclass(frozen=True)
class AcceptInput:
    message: str = ""


@dataclass(frozen=True)
class HandlerInput:
    handler: User


@dataclass(frozen=True)
class TextInput:
    text: str


@dataclass(frozen=True)
class ExtensionInput:
    days: int
    reason: str


@dataclass(frozen=True)
class DecisionInput:
    approve: bool
    comment: str = ""


@dataclass(frozen=True)
class ScanInput:
    document_id: uuid.UUID
    upload: AttachmentInput


@dataclass(frozen=True)
class PurposeInput:
    purpose: str


@dataclass(frozen=True)
class DeliveryInput:
    delivered_on: date


@dataclass(frozen=True)
class EvaluationInput:
    satisfaction: str
    comment: str = ""


@dataclass(frozen=True)
class OutsideResultInput:
    """The opinion of a review body outside the hall, as it came back (arts. 35-36)."""

    opinion: str
    text: str
    decided_on: date
    delivered_on: date | None = None
    number: str = ""


@dataclass(frozen=True)
class HearingInput:
    starts_on: date
    place: str


@dataclass(frozen=True)
class HearingRecordInput:
    ends_on: date
    minutes: str


@dataclass(frozen=True)
class RegisteredAction:
    name: str
    input: type
    call: Callable[[uuid.UUID, Actor, Any], Any]


def _opinion(service: Callable[..., Any]) -> Callable[[uuid.UUID, Actor, Any], Any]:
    return lambda case_uuid, actor, data: service(
        case_uuid=case_uuid, actor=actor, opinion=data.opinion, text=data.text
    )


def _reason(service: Callable[..., Any]) -> Callable[[uuid.UUID, Actor, Any], Any]:
    return lambda case_uuid, actor, data: service(case_uuid=case_uuid, actor=actor, reason=data.reason)


def _refusal(service: Callable[..., Any]) -> Callable[[uuid.UUID, Actor, Any], Any]:
    return lambda case_uuid, actor, data: service(
        case_uuid=case_uuid, actor=actor, channel=data.channel, reason=data.reason
    )


def _outside(service: Callable[..., Any]) -> Callable[[uuid.UUID, Actor, Any], Any]:
    return lambda case_uuid, actor, data: service(
        case_uuid=case_uuid,
        actor=actor,
        opinion=data.opinion,
        text=data.text,
        decided_on=data.decided_on,
        delivered_on=data.delivered_on,
        number=data.number,
    )


def _bare(service: Callable[..., Any]) -> Callable[[uuid.UUID, Actor, Any], Any]:
    return lambda case_uuid, actor, data: service(case_uuid=case_uuid, actor=actor)


# The services are looked up when called (cases.services.<name>), so a test's monkeypatch still applies.
def _svc(name: str) -> Callable[..., Any]:
    return lambda **kwargs: getattr(services, name)(**kwargs)


REGISTRY: dict[str, RegisteredAction] = {
    action.name: action
    for action in [
        RegisteredAction("register", NoInput, _bare(_svc("register_case"))),
        RegisteredAction(
            "route",
            RouteInput,
            lambda case_uuid, actor, data: services.forward_case(
                case_uuid=case_uuid,
                actor=actor,
                target=data.target,
                mode=data.mode,
                assignment_due=data.assignment_due,
                report_required=data.report_required,
                message=data.message,
            ),
        ),
        RegisteredAction("reply_directly", OpinionInput, _opinion(_svc("reply_directly"))),
        RegisteredAction("not_accept_by_bureau", LawfulChannelInput, _refusal(_svc("not_accept_by_bureau"))),
        RegisteredAction(
            "merge",
            MergeInput,
            lambda case_uuid, actor, data: services.merge_case(
                case_uuid=case_uuid, actor=actor, into_tracking_number=data.into_tracking_number
            ),
        ),
        RegisteredAction("sign", NoInput, _bare(_svc("sign_case"))),
        RegisteredAction("object", ReasonInput, _reason(_svc("object_to_routing"))),
        RegisteredAction("send_to_bureau", ReasonInput, _reason(_svc("send_to_bureau"))),
        RegisteredAction(
            "decide_objection",
            DecisionInput,
            lambda case_uuid, actor, data: services.decide_objection(
                case_uuid=case_uuid, actor=actor, approve=data.approve, comment=data.comment
            ),
        ),
        RegisteredAction(
            "accept",
            AcceptInput,
            lambda case_uuid, actor, data: services.accept_case(
                case_uuid=case_uuid, actor=actor, message=data.message
            ),
        ),
        RegisteredAction("not_accept", LawfulChannelInput, _refusal(_svc("not_accept_case"))),
        RegisteredAction(
            "assign_handler",
            HandlerInput,
            lambda case_uuid, actor, data: services.assign_handler(
                case_uuid=case_uuid, actor=actor, handler=data.handler
            ),
        ),
        RegisteredAction(
            "note",
            TextInput,
            lambda case_uuid, actor, data: services.add_note(
                case_uuid=case_uuid, actor=actor, text=data.text
            ),
        ),
        RegisteredAction(
            "request_extension",
            ExtensionInput,
            lambda case_uuid, actor, data: services.request_extension(
                case_uuid=case_uuid, actor=actor, days=data.days, reason=data.reason
            ),
        ),
        RegisteredAction(
            "decide_extension",
            DecisionInput,
            lambda case_uuid, actor, data: services.decide_extension(
                case_uuid=case_uuid, actor=actor, approve=data.approve, comment=data.comment
            ),
        ),
        RegisteredAction(
            "reply",
            ReplyInput,
            lambda case_uuid, actor, data: services.reply_case(
                case_uuid=case_uuid,
                actor=actor,
                opinion=data.opinion,
                text=data.text,
                attachments=list(data.attachments),
            ),
        ),
        RegisteredAction(
            "completion_report",
            TextInput,
            lambda case_uuid, actor, data: services.submit_completion_report(
                case_uuid=case_uuid, actor=actor, text=data.text
            ),
        ),
        RegisteredAction(
            "decide_report",
            DecisionInput,
            lambda case_uuid, actor, data: services.decide_completion_report(
                case_uuid=case_uuid, actor=actor, accept=data.approve, comment=data.comment
            ),
        ),
        RegisteredAction("return_report", ReasonInput, _reason(_svc("return_completion_report"))),
        RegisteredAction(
            "record_delivery",
            DeliveryInput,
            lambda case_uuid, actor, data: services.record_delivery(
                case_uuid=case_uuid, actor=actor, delivered_on=data.delivered_on
            ),
        ),
        RegisteredAction("confirm_link", NoInput, _bare(_svc("confirm_link"))),
        RegisteredAction("undo_link", ReasonInput, _reason(_svc("undo_link"))),
        RegisteredAction(
            "upload_scan",
            ScanInput,
            lambda case_uuid, actor, data: services.upload_signed_document(
                case_uuid=case_uuid, actor=actor, document_id=data.document_id, upload=data.upload
            ),
        ),
        RegisteredAction("close", NoInput, _bare(_svc("close_case"))),
        RegisteredAction("answer_review", OpinionInput, _opinion(_svc("answer_review"))),
        RegisteredAction("answer_rereview", OpinionInput, _opinion(_svc("answer_rereview"))),
        RegisteredAction("enter_review_result", OutsideResultInput, _outside(_svc("enter_review_result"))),
        RegisteredAction(
            "enter_rereview_result", OutsideResultInput, _outside(_svc("enter_rereview_result"))
        ),
        RegisteredAction(
            "schedule_hearing",
            HearingInput,
            lambda case_uuid, actor, data: services.schedule_hearing(
                case_uuid=case_uuid, actor=actor, starts_on=data.starts_on, place=data.place
            ),
        ),
        RegisteredAction(
            "close_hearing",
            HearingRecordInput,
            lambda case_uuid, actor, data: services.close_hearing(
                case_uuid=case_uuid, actor=actor, ends_on=data.ends_on, minutes=data.minutes
            ),
        ),
        RegisteredAction(
            "identity",
            PurposeInput,
            lambda case_uuid, actor, data: services.read_protected_identity(
                case_uuid=case_uuid, actor=actor, purpose=data.purpose
            ),
        ),
        RegisteredAction(
            "evaluate",
            EvaluationInput,
            lambda case_uuid, actor, data: services.evaluate_case(
                case_uuid=case_uuid, actor=actor, satisfaction=data.satisfaction, comment=data.comment
            ),
        ),
        RegisteredAction("request_review", ReasonInput, _reason(_svc("request_review"))),
        RegisteredAction("request_rereview", ReasonInput, _reason(_svc("request_rereview"))),
        RegisteredAction("decline_review", NoInput, _bare(_svc("decline_review"))),
    ]
}
# Every action of the procedure is in the registry, and nothing else.
if set(REGISTRY) != set(procedure.PROCEDURE):  # pragma: no cover - a programming error
    raise RuntimeError(
        f"cases.actions and cases.procedure differ: {set(REGISTRY) ^ set(procedure.PROCEDURE)}"
    )


def perform(name: str, *, case_uuid: uuid.UUID, actor: Actor, data: Any) -> Any:
    """Take action ``name`` on a case with its typed input (the service checks the procedure)."""
    action = REGISTRY[name]
    if not isinstance(data, action.input):
        raise TypeError(f"{name} takes {action.input.__name__}, not {type(data).__name__}")
    return action.call(case_uuid, actor, data)
