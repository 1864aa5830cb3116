"""The API's per-action operations, one per action of the registry (cases.actions), snake_case as on the
workspace: ``POST /api/v1/cases/{id}/actions/{name}/`` for staff, ``POST /api/v1/petitions/{id}/actions/
{name}/`` for the petitioner.

Each operation has its own request body (a serializer that builds the action's typed input) and is
documented in the OpenAPI schema with the errors it answers with. The serializers only shape the input:
the limits on it (lengths, choices, ranges) are the service's, so the API refuses with the same code as
the workspace and the portal.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.permissions import IsCitizenOnPortal, IsStaffOfHostAgency
from api.schema import ErrorSerializer
from cases import actions, procedure, services
from cases.access import case_for_agency, case_for_citizen
from cases.models import RoutingMode
from cases.services import Actor
from config.errors import HallError
from tenants.models import Agency


class ActionInput(serializers.Serializer):
    """An action that takes no input."""

    def to_input(self, request, view) -> Any:
        return actions.NoInput()


class _Text(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, default="", allow_blank=True, trim_whitespace=False, **kwargs)


class RouteInput(ActionInput):
    target = serializers.CharField(help_text="the receiving agency's code")
    mode = serializers.ChoiceField(choices=RoutingMode.choices, default=RoutingMode.FORWARD)
    assignment_due = s.BoundedDateField(required=False, allow_null=True, default=None)
    report_required = serializers.BooleanField(required=False, default=False)
    message = _Text()

    def to_input(self, request, view):
        d = self.validated_data
        target = Agency.objects.filter(code=d["target"], is_active=True).first()
        if target is None:
            raise HallError(_("请选择接收单位。"), code="invalid_agency", status=400)
        return actions.RouteInput(
            target=target,
            mode=d["mode"],
            assignment_due=d["assignment_due"],
            report_required=d["report_required"],
            message=d["message"],
        )


class OpinionInput(ActionInput):
    opinion = _Text(help_text="support / explain / reject (处理意见)")
    text = _Text(help_text="the facts, reasons and basis (at least 10 characters)")

    def to_input(self, request, view):
        return actions.OpinionInput(**self.validated_data)


class ReplyInput(OpinionInput):
    def to_input(self, request, view):
        return actions.ReplyInput(**self.validated_data)


class LawfulChannelInput(ActionInput):
    channel = _Text(help_text="the lawful channel the petitioner should use")
    reason = _Text()

    def to_input(self, request, view):
        return actions.LawfulChannelInput(**self.validated_data)


class MergeInput(ActionInput):
    into_tracking_number = serializers.CharField(help_text="the tracking number of the case to merge into")

    def to_input(self, request, view):
        return actions.MergeInput(**self.validated_data)


class ReasonInput(ActionInput):
    reason = _Text()

    def to_input(self, request, view):
        return actions.ReasonInput(**self.validated_data)


class AcceptInput(ActionInput):
    message = _Text(help_text="what the acceptance notice tells the petitioner")

    def to_input(self, request, view):
        return actions.AcceptInput(**self.validated_data)


class HandlerInput(ActionInput):
    handler = serializers.UUIDField(help_text="the handler's user id (a member of this agency)")

    def to_input(self, request, view):
        from cases.workspace.reads import case_handlers

        for person in case_handlers(request.tenant):
            if person.uuid == self.validated_data["handler"]:
                return actions.HandlerInput(handler=person)
        raise HallError(_("承办人必须是本单位的工作人员。"), code="handler_not_member")


class TextInput(ActionInput):
    text = _Text()

    def to_input(self, request, view):
        return actions.TextInput(**self.validated_data)


class ExtensionInput(ActionInput):
    days = serializers.IntegerField(help_text="1 to 30")
    reason = _Text(help_text="told to the petitioner")

    def to_input(self, request, view):
        return actions.ExtensionInput(**self.validated_data)


class DecisionInput(ActionInput):
    approve = serializers.BooleanField()
    comment = _Text()

    def to_input(self, request, view):
        return actions.DecisionInput(**self.validated_data)


class ScanInput(ActionInput):
    document = serializers.UUIDField(help_text="the generated document the scan replaces")
    file = serializers.FileField(help_text="the signed, stamped scan (PDF or image)")

    def to_input(self, request, view):
        from filestore.services import store_file, validate_upload

        upload = self.validated_data["file"]
        checked = validate_upload(upload)
        key = store_file(
            schema_name=request.tenant.schema_name, category="documents", upload=upload, checked=checked
        )
        return actions.ScanInput(
            document_id=self.validated_data["document"],
            upload=services.AttachmentInput(
                storage_key=key,
                file_name=checked.display_name,
                content_type=checked.content_type,
                size=checked.size,
            ),
        )


class PurposeInput(ActionInput):
    purpose = _Text(help_text="why the reporter's identity is read (logged)")

    def to_input(self, request, view):
        return actions.PurposeInput(**self.validated_data)


class DeliveryInput(ActionInput):
    """纸质送达: the day the reply or opinion reached the petitioner (arts. 35-36)."""

    delivered_on = s.BoundedDateField()

    def to_input(self, request, view):
        return actions.DeliveryInput(**self.validated_data)


class EvaluationInput(ActionInput):
    satisfaction = _Text(help_text="satisfied / basically / unsatisfied")
    comment = _Text()

    def to_input(self, request, view):
        return actions.EvaluationInput(**self.validated_data)


class OutsideResultInput(ActionInput):
    opinion = _Text(help_text="support / explain / not_support, as the body outside the hall decided")
    text = _Text(help_text="the opinion's facts, reasons and basis (at least 10 characters)")
    decided_on = s.BoundedDateField(help_text="the date of the opinion")
    delivered_on = s.BoundedDateField(
        required=False, allow_null=True, default=None, help_text="the day it reached the petitioner"
    )
    number = _Text(help_text="the opinion's document number (文号)")

    def to_input(self, request, view):
        return actions.OutsideResultInput(**self.validated_data)


class HearingInput(ActionInput):
    starts_on = s.BoundedDateField(help_text="the first day of the hearing")
    place = _Text()

    def to_input(self, request, view):
        return actions.HearingInput(**self.validated_data)


class HearingRecordInput(ActionInput):
    ends_on = s.BoundedDateField(help_text="the last day of the hearing")
    minutes = _Text(help_text="the hearing record (听证笔录), at least 10 characters")

    def to_input(self, request, view):
        return actions.HearingRecordInput(**self.validated_data)


# One request body per kind of input (cases.actions); each operation names its own.
INPUTS: dict[type, type[ActionInput]] = {
    actions.NoInput: ActionInput,
    actions.RouteInput: RouteInput,
    actions.OpinionInput: OpinionInput,
    actions.ReplyInput: ReplyInput,
    actions.LawfulChannelInput: LawfulChannelInput,
    actions.MergeInput: MergeInput,
    actions.ReasonInput: ReasonInput,
    actions.AcceptInput: AcceptInput,
    actions.HandlerInput: HandlerInput,
    actions.TextInput: TextInput,
    actions.ExtensionInput: ExtensionInput,
    actions.DecisionInput: DecisionInput,
    actions.ScanInput: ScanInput,
    actions.PurposeInput: PurposeInput,
    actions.EvaluationInput: EvaluationInput,
    actions.DeliveryInput: DeliveryInput,
    actions.OutsideResultInput: OutsideResultInput,
    actions.HearingInput: HearingInput,
    actions.HearingRecordInput: HearingRecordInput,
}


class IdentitySerializer(serializers.Serializer):
    identity = serializers.DictField(child=serializers.CharField())


ERRORS = {status: ErrorSerializer for status in (400, 403, 404, 409)}


def _request_body(name: str) -> type[ActionInput]:
    """A request body of the action's own: the input's serializer, named after the action."""
    base = INPUTS[actions.REGISTRY[name].input]
    camel = "".join(part.capitalize() for part in name.split("_"))
    return type(f"{camel}ActionInput", (base,), {"__doc__": base.__doc__, "__module__": __name__})


def _summary(name: str) -> str:
    doc = (getattr(services, procedure.PROCEDURE[name].service).__doc__ or "").strip()
    return (doc.splitlines()[0] if doc else name.replace("_", " "))[:120]


def _documented(body: type[ActionInput]) -> Any:
    """The request body as the schema documents it: an action without input takes an empty object."""
    if body().fields:
        return body
    return {"application/json": {"type": "object", "properties": {}, "description": body.__doc__}}


def staff_action_view(name: str) -> type[APIView]:
    body = _request_body(name)
    response = IdentitySerializer if name == "identity" else s.CaseDetailSerializer

    class StaffAction(APIView):
        permission_classes = [IsStaffOfHostAgency]
        parser_classes = (
            [MultiPartParser, FormParser]
            if name == "upload_scan"
            else [JSONParser, FormParser, MultiPartParser]
        )

        @extend_schema(
            request=_documented(body),
            responses={200: response, **ERRORS},
            operation_id=f"case_action_{name}",
            summary=_summary(name),
            tags=["case actions"],
        )
        def post(self, request, case_id):
            from api.views import _detail

            view = case_for_agency(request.tenant, case_id)  # 404 unless this agency has the case
            form = body(data=request.data)
            form.is_valid(raise_exception=True)
            actor = Actor.from_request(request)
            outcome = actions.perform(
                name, case_uuid=view.case.pk, actor=actor, data=form.to_input(request, view)
            )
            if name == "identity":
                return Response({"identity": outcome})
            after = case_for_agency(request.tenant, case_id)  # a stub, once the case has moved on
            return Response(_detail(after, for_citizen=False, actor=actor, viewer=request.tenant))

    StaffAction.__name__ = StaffAction.__qualname__ = f"CaseAction_{name}"
    return StaffAction


def citizen_action_view(name: str) -> type[APIView]:
    body = _request_body(name)

    class CitizenAction(APIView):
        permission_classes = [IsCitizenOnPortal]

        @extend_schema(
            request=_documented(body),
            responses={200: s.CaseDetailSerializer, **ERRORS},
            operation_id=f"petition_action_{name}",
            summary=_summary(name),
            tags=["petition actions"],
        )
        def post(self, request, case_id):
            from api.views import _detail

            view = case_for_citizen(request.user, case_id)
            form = body(data=request.data)
            form.is_valid(raise_exception=True)
            actor = Actor.from_request(request)
            actions.perform(name, case_uuid=view.case.pk, actor=actor, data=form.to_input(request, view))
            return Response(_detail(case_for_citizen(request.user, case_id), for_citizen=True, actor=actor))

    CitizenAction.__name__ = CitizenAction.__qualname__ = f"PetitionAction_{name}"
    return CitizenAction
