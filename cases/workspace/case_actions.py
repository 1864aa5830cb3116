"""The workspace case page's actions: the context a case page is built from, and each action of the
registry (cases.actions) with its form, its input and the hint the page shows beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from cases import access, actions, clocks, procedure, queries, services
from cases.models import Case, CaseState, Document, RoutingMode
from cases.workspace import forms
from cases.workspace import reads as ws_selectors
from cases.workspace.common import (
    _actor,
    _store_upload,
)
from config import clock
from config.errors import HallError, NotFound
from config.hall_request import HallRequest
from tenants.models import Agency, AgencyKind


class CaseContext:
    """What the case page and its actions need: the case as this agency sees it, and the viewer."""

    def __init__(self, request: HallRequest[Agency], case_uuid):
        self.request = request
        self.tenant: Agency = request.tenant
        self.roles = frozenset(request.agency_roles)
        try:
            self.view = access.case_for_agency(self.tenant, case_uuid)
        except NotFound as exc:
            raise Http404(str(exc)) from None
        self.case: Case = self.view.case
        self.today = clock.today()

    @property
    def is_bureau(self) -> bool:
        return self.tenant.kind == AgencyKind.BUREAU

    @property
    def holds(self) -> bool:
        return self.view.is_holder

    def has(self, roles) -> bool:
        return bool(self.roles & roles)

    @cached_property
    def holder_case(self) -> Case | None:
        """For the bureau, the current record of a case it routed (its objection, its report)."""
        if self.holds or not self.is_bureau or self.case.state != CaseState.TRANSFERRED:
            return None
        current = procedure.current_case(self.view, self.tenant)
        return current if current is not None and current.routed_by == self.tenant.code else None

    @cached_property
    def allowed(self) -> dict[str, procedure.Allowed | procedure.Refusal]:
        """What this member may do to the case today, as cases.procedure declares it."""
        current = procedure.current_case(self.view, self.tenant)
        return procedure.allowed_actions(
            _actor(self.request), self.view.index, current, self.today, names=procedure.STAFF_STEPS
        )

    @cached_property
    def routing_targets(self) -> list[Agency]:
        return ws_selectors.routing_targets(self.tenant, self.case)

    @cached_property
    def handlers(self) -> list[User]:
        return ws_selectors.case_handlers(self.tenant)

    @cached_property
    def documents(self) -> list[Document]:
        return queries.documents(self.view, for_citizen=False)

    @cached_property
    def replaceable_documents(self) -> list[Document]:
        return [
            d
            for d in self.documents
            if d.agency_code == self.tenant.code and d.generated and not d.superseded
        ]


@dataclass(frozen=True)
class Action:
    """One action on the case page. Whether it is offered is not decided here: cases.procedure
    declares who may take it in which state (``ctx.allowed``); ``needs`` is only what the form needs to
    have something to offer (a document to replace)."""

    name: str
    label: str | Promise
    form: type[forms.ActionForm]
    run: Callable[[CaseContext, dict], Any]
    hint: Callable[[CaseContext], str] | None = None
    button: str | Promise = ""
    multipart: bool = False
    needs: Callable[[CaseContext], bool] | None = None

    def available(self, ctx: CaseContext) -> bool:
        return ctx.allowed[self.name].allowed and (self.needs is None or self.needs(ctx))


def _now():
    return clock.now()


def _hint_route(ctx: CaseContext) -> str:
    now = _now()
    return _(
        "转送后，接收单位须在%(acc)s前告知是否受理，可在%(obj)s前提出分流异议（第二十二、二十三条）。"
    ) % {
        "acc": clocks.acceptance_due(now).isoformat(),
        "obj": clocks.objection_due(now).isoformat(),
    }


def _hint_register(ctx: CaseContext) -> str:
    due = ctx.case.routing_due
    return _("登记后须在%(due)s前完成分流（第二十二条）。") % {"due": due.isoformat()} if due else ""


def _hint_reply(ctx: CaseContext) -> str:
    return _("答复后，信访人可在收到答复之日起30日内申请复查（第三十五条）；网上送达最迟为%(day)s。") % {
        "day": clocks.service_due(_now(), procedure.online_service_days()).isoformat()
    }


def _hint_accept(ctx: CaseContext) -> str:
    return _("受理后须在%(due)s前书面答复（60日，第三十四条）。") % {
        "due": clocks.handling_due(_now()).isoformat()
    }


def _hint_extension(ctx: CaseContext) -> str:
    if ctx.case.accepted_at is None:
        return ""
    longest = clocks.handling_due(ctx.case.accepted_at, clocks.MAX_EXTENSION_DAYS)
    return _("只能延期一次，最长30日（至%(due)s），须经负责人批准并告知信访人理由。") % {
        "due": longest.isoformat()
    }


def _hint_decide_extension(ctx: CaseContext) -> str:
    if ctx.case.accepted_at is None or not ctx.case.extension_days:
        return ""
    new_due = clocks.handling_due(ctx.case.accepted_at, ctx.case.extension_days)
    return _("申请延长%(days)s日：批准后办理期限延至%(due)s。理由：%(reason)s") % {
        "days": ctx.case.extension_days,
        "due": new_due.isoformat(),
        "reason": ctx.case.extension_reason,
    }


def _hint_object(ctx: CaseContext) -> str:
    due = ctx.case.objection_due
    return _("须在%(due)s前提出（5个工作日，第二十三条）。") % {"due": due.isoformat()} if due else ""


def _hint_objection_ruling(ctx: CaseContext) -> str:
    current = ctx.holder_case
    return _("异议理由：%(reason)s") % {"reason": current.objection_reason} if current else ""


def _hint_report(ctx: CaseContext) -> str:
    current = ctx.holder_case
    return current.report_text if current else ""


def _routed(ctx: CaseContext, data: dict) -> str:
    """What the clerk is told: 交办 is not 转送 (art. 22), and the agency is named in their language."""
    agency = _target(ctx, data["target"]).display_name()
    if data["mode"] == RoutingMode.ASSIGN:
        return _("已交办至%(agency)s。") % {"agency": agency}
    return _("已转送至%(agency)s。") % {"agency": agency}


def _decided(data: dict) -> bool:
    return data["decision"] == "approve"


def _target(ctx: CaseContext, code: str) -> Agency:
    for agency in ctx.routing_targets:
        if agency.code == code:
            return agency
    raise HallError(_("请选择接收单位。"), code="invalid_agency", fields={"target": _("请选择接收单位。")})


def _handler(ctx: CaseContext, value: str) -> User:
    for person in ctx.handlers:
        if str(person.uuid) == value:
            return person
    raise HallError(_("承办人必须是本单位的工作人员。"), code="handler_not_member")


def _a(ctx: CaseContext) -> services.Actor:
    return _actor(ctx.request)


def _run(
    name: str,
    build: Callable[[CaseContext, dict], Any],
    done: Callable[[CaseContext, dict], Any] | None,
) -> Callable[[CaseContext, dict], Any]:
    """Take action ``name`` through the registry (cases.actions) with the input built from the form,
    and say what was done."""

    def run(ctx: CaseContext, data: dict) -> Any:
        outcome = actions.perform(name, case_uuid=ctx.case.pk, actor=_a(ctx), data=build(ctx, data))
        return done(ctx, data) if done is not None else outcome

    return run


def _say(message: Callable[[dict], str]) -> Callable[[CaseContext, dict], str]:
    return lambda ctx, data: message(data)


def _no_input(ctx: CaseContext, data: dict) -> actions.NoInput:
    return actions.NoInput()


def _opinion(ctx: CaseContext, data: dict) -> actions.OpinionInput:
    return actions.OpinionInput(opinion=data["opinion"], text=data["text"])


def _reason(ctx: CaseContext, data: dict) -> actions.ReasonInput:
    return actions.ReasonInput(reason=data["reason"])


def _lawful_channel(ctx: CaseContext, data: dict) -> actions.LawfulChannelInput:
    return actions.LawfulChannelInput(channel=data["channel"], reason=data["reason"])


def _decision(ctx: CaseContext, data: dict) -> actions.DecisionInput:
    return actions.DecisionInput(approve=_decided(data), comment=data["comment"])


def _text(ctx: CaseContext, data: dict) -> actions.TextInput:
    return actions.TextInput(text=data["text"])


def _route(ctx: CaseContext, data: dict) -> actions.RouteInput:
    return actions.RouteInput(
        target=_target(ctx, data["target"]),
        mode=data["mode"],
        assignment_due=data["assignment_due"],
        report_required=data["mode"] == RoutingMode.ASSIGN,  # 交办 always reports (art. 22(三))
        message=data["message"],
    )


def _reply(ctx: CaseContext, data: dict) -> actions.ReplyInput:
    return actions.ReplyInput(
        opinion=data["opinion"],
        text=data["text"],
        attachments=tuple(_store_upload(ctx.request, upload) for upload in data.get("files") or []),
    )


def _scan(ctx: CaseContext, data: dict) -> actions.ScanInput:
    return actions.ScanInput(document_id=data["document"], upload=_store_upload(ctx.request, data["file"]))


def _outside(ctx: CaseContext, data: dict) -> actions.OutsideResultInput:
    return actions.OutsideResultInput(
        opinion=data["opinion"],
        text=data["text"],
        decided_on=data["decided_on"],
        delivered_on=data["delivered_on"],
        number=data["number"],
    )


def _hint_outside(ctx: CaseContext, stage: str) -> str:
    """Which body outside the hall decides, as the procedure recorded it (arts. 35-36)."""
    case, holder = ctx.case, ctx.view.index.holder
    body = services._review_body(case, holder) if stage == "review" else services._rereview_body(case, holder)
    return _("由%(body)s办理（不在本大厅），收到其意见后在此登记。") % {"body": body.name}


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            "register",
            pgettext_lazy("workspace action", "登记"),
            forms.EmptyForm,
            _run("register", _no_input, _say(lambda d: _("已登记。"))),
            _hint_register,
        ),
        Action(
            "route",
            pgettext_lazy("workspace action", "转送或交办"),
            forms.RouteForm,
            _run(
                "route",
                _route,
                _routed,
            ),
            _hint_route,
        ),
        Action(
            "reply_directly",
            pgettext_lazy("workspace action", "直接答复"),
            forms.OpinionForm,
            _run(
                "reply_directly",
                _opinion,
                _say(lambda d: _("已直接答复，信访处理意见书已生成并通知信访人。")),
            ),
            _hint_reply,
        ),
        Action(
            "not_accept_by_bureau",
            pgettext_lazy("workspace action", "不予受理（告知法定途径）"),
            forms.LawfulChannelForm,
            _run(
                "not_accept_by_bureau",
                _lawful_channel,
                _say(lambda d: _("已不予受理，告知书已生成并通知信访人。")),
            ),
        ),
        Action(
            "merge",
            pgettext_lazy("workspace action", "合并到已有信访件"),
            forms.MergeForm,
            _run(
                "merge",
                lambda c, d: actions.MergeInput(into_tracking_number=d["into_tracking_number"]),
                _say(lambda d: _("已合并。")),
            ),
        ),
        Action(
            "sign",
            pgettext_lazy("workspace action", "签收"),
            forms.EmptyForm,
            _run("sign", _no_input, _say(lambda d: _("已签收。"))),
            lambda c: (
                _("须在%(due)s前告知是否受理（第二十三条）。") % {"due": c.case.acceptance_due.isoformat()}
                if c.case.acceptance_due
                else ""
            ),
        ),
        Action(
            "object",
            pgettext_lazy("workspace action", "分流异议（退回信访局）"),
            forms.ReasonForm,
            _run("object", _reason, _say(lambda d: _("已提出分流异议，等待信访局审核。"))),
            _hint_object,
        ),
        Action(
            "send_to_bureau",
            pgettext_lazy("workspace action", "移交信访局"),
            forms.ReasonForm,
            _run("send_to_bureau", _reason, _say(lambda d: _("已移交信访局分流。"))),
        ),
        Action(
            "accept",
            pgettext_lazy("workspace action", "受理"),
            forms.AcceptForm,
            _run(
                "accept",
                lambda c, d: actions.AcceptInput(message=d["message"]),
                _say(lambda d: _("已受理，受理告知书已生成并通知信访人。")),
            ),
            _hint_accept,
        ),
        Action(
            "not_accept",
            pgettext_lazy("workspace action", "不予受理"),
            forms.LawfulChannelForm,
            _run("not_accept", _lawful_channel, _say(lambda d: _("已不予受理，告知书已生成并通知信访人。"))),
        ),
        Action(
            "assign_handler",
            pgettext_lazy("workspace action", "指定承办人"),
            forms.AssignHandlerForm,
            _run(
                "assign_handler",
                lambda c, d: actions.HandlerInput(handler=_handler(c, d["handler"])),
                _say(lambda d: _("已指定承办人。")),
            ),
        ),
        Action(
            "request_extension",
            pgettext_lazy("workspace action", "申请延期"),
            forms.ExtensionForm,
            _run(
                "request_extension",
                lambda c, d: actions.ExtensionInput(days=d["days"], reason=d["reason"]),
                _say(lambda d: _("已提交延期申请，等待负责人审批。")),
            ),
            _hint_extension,
        ),
        Action(
            "decide_extension",
            pgettext_lazy("workspace action", "审批延期申请"),
            forms.DecisionForm,
            _run(
                "decide_extension",
                _decision,
                _say(
                    lambda d: (
                        _("已批准延期，延期告知书已生成并通知信访人。")
                        if _decided(d)
                        else _("已不批准延期。")
                    )
                ),
            ),
            _hint_decide_extension,
        ),
        Action(
            "reply",
            pgettext_lazy("workspace action", "出具处理意见（答复）"),
            forms.ReplyForm,
            _run("reply", _reply, _say(lambda d: _("已答复，信访处理意见书已生成并通知信访人。"))),
            _hint_reply,
            multipart=True,
        ),
        Action(
            "completion_report",
            pgettext_lazy("workspace action", "报送办结报告"),
            forms.ReportForm,
            _run("completion_report", _text, _say(lambda d: _("已报送办结报告。"))),
        ),
        Action(
            "upload_scan",
            pgettext_lazy("workspace action", "上传签章扫描件"),
            forms.ScanForm,
            _run("upload_scan", _scan, _say(lambda d: _("已上传签章扫描件，替换了系统生成的文书。"))),
            multipart=True,
            needs=lambda c: bool(c.replaceable_documents),
        ),
        Action(
            "close",
            pgettext_lazy("workspace action", "办结"),
            forms.EmptyForm,
            _run("close", _no_input, _say(lambda d: _("已办结。"))),
        ),
        Action(
            "answer_review",
            pgettext_lazy("workspace action", "出具复查意见"),
            forms.OpinionForm,
            _run("answer_review", _opinion, _say(lambda d: _("已出具复查意见。"))),
        ),
        Action(
            "answer_rereview",
            pgettext_lazy("workspace action", "出具复核意见（终结）"),
            forms.OpinionForm,
            _run("answer_rereview", _opinion, _say(lambda d: _("已出具复核意见，信访事项终结。"))),
        ),
        Action(
            "enter_review_result",
            pgettext_lazy("workspace action", "登记上级机关的复查意见"),
            forms.OutsideResultForm,
            _run("enter_review_result", _outside, _say(lambda d: _("已登记复查意见，并通知信访人。"))),
            lambda c: _hint_outside(c, "review"),
        ),
        Action(
            "enter_rereview_result",
            pgettext_lazy("workspace action", "登记上级机关的复核意见（终结）"),
            forms.OutsideResultForm,
            _run("enter_rereview_result", _outside, _say(lambda d: _("已登记复核意见，信访事项终结。"))),
            lambda c: _hint_outside(c, "rereview"),
        ),
        Action(
            "schedule_hearing",
            pgettext_lazy("workspace action", "安排听证"),
            forms.HearingForm,
            _run(
                "schedule_hearing",
                lambda c, d: actions.HearingInput(starts_on=d["starts_on"], place=d["place"]),
                _say(lambda d: _("已安排听证并通知信访人。")),
            ),
            lambda c: _("听证所需时间不计入复核期限（第三十六条）。"),
        ),
        Action(
            "close_hearing",
            pgettext_lazy("workspace action", "记录并结束听证"),
            forms.HearingRecordForm,
            _run(
                "close_hearing",
                lambda c, d: actions.HearingRecordInput(ends_on=d["ends_on"], minutes=d["minutes"]),
                _say(lambda d: _("听证已结束，复核期限已顺延。")),
            ),
        ),
        Action(
            "decide_objection",
            pgettext_lazy("workspace action", "审核分流异议"),
            forms.DecisionForm,
            _run(
                "decide_objection",
                _decision,
                _say(
                    lambda d: (
                        _("异议成立，信访件已退回信访局重新分流。")
                        if _decided(d)
                        else _("异议不成立，由原单位继续办理。")
                    )
                ),
            ),
            _hint_objection_ruling,
        ),
        Action(
            "decide_report",
            pgettext_lazy("workspace action", "审核办结报告"),
            forms.DecisionForm,
            _run(
                "decide_report",
                _decision,
                _say(lambda d: _("办结报告已通过。") if _decided(d) else _("办结报告已退回。")),
            ),
            _hint_report,
        ),
        Action(
            "return_report",
            pgettext_lazy("workspace action", "退回办结报告重办"),
            forms.ReasonForm,
            _run("return_report", _reason, _say(lambda d: _("办结报告已退回，承办单位将重新办理。"))),
            _hint_report,
        ),
        Action(
            "record_delivery",
            pgettext_lazy("workspace action", "登记纸质送达"),
            forms.DeliveryForm,
            _run(
                "record_delivery",
                lambda c, d: actions.DeliveryInput(delivered_on=d["delivered_on"]),
                _say(lambda d: _("已登记送达日期。")),
            ),
        ),
        Action(
            "confirm_link",
            pgettext_lazy("workspace action", "确认重复信访关联"),
            forms.EmptyForm,
            _run("confirm_link", _no_input, _say(lambda d: _("已确认关联。"))),
        ),
        Action(
            "undo_link",
            pgettext_lazy("workspace action", "撤销关联（作为新事项办理）"),
            forms.ReasonForm,
            _run("undo_link", _reason, _say(lambda d: _("已撤销关联，作为新的信访事项登记。"))),
        ),
        Action(
            "note",
            pgettext_lazy("workspace action", "添加内部备注"),
            forms.NoteForm,
            _run("note", _text, _say(lambda d: _("已添加备注。"))),
        ),
        Action(
            "identity",
            pgettext_lazy("workspace action", "查看检举人身份"),
            forms.IdentityForm,
            # The identity itself is the outcome: the page shows it (and the read is logged).
            _run("identity", lambda c, d: actions.PurposeInput(purpose=d["purpose"]), None),
        ),
    ]
}
# Every action the workspace offers is one of the registry's (and so of the API's).
if not set(ACTIONS) <= set(actions.REGISTRY):  # pragma: no cover - a programming error
    raise RuntimeError(
        f"workspace actions missing from cases.actions: {set(ACTIONS) - set(actions.REGISTRY)}"
    )
