"""The REST API (v1): adapters over cases.access, cases.queries and cases.services.

On the portal host a signed-in citizen reaches only their own petitions; on an agency host a member
reaches only the cases their agency holds. Everything else is 404. Errors use one JSON shape
({"error": {"code", "message", "details"}}), rendered by config.errors.api_exception_handler.
"""

import uuid

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.pagination import CaseListFilters, filtered, paginated
from api.permissions import IsCitizenOnPortal, IsStaffOfHostAgency
from cases import procedure, queries, services
from cases.access import case_for_agency, case_for_citizen
from cases.index.models import CaseIndex
from cases.services import Actor, PetitionerInput, PetitionInput
from config.errors import HallError
from tenants.models import Agency, filing_agency


def _document_rows(view, *, for_citizen: bool) -> list[dict]:
    from filestore.services import download_url

    return [
        {
            "id": doc.pk,
            "kind": doc.kind,
            "number": doc.number,
            "title": doc.title,
            "created_at": doc.created_at,
            "generated": doc.generated,
            # 送达 (arts. 35-36): the day it reached the petitioner, as far as known (None: not yet).
            "delivered_on": services.effective_delivery(doc)[0],
            # pending / failed while the PDF renders after the step (cases.services.documents): no link.
            "status": doc.status,
            "download_url": download_url(
                queries.citizen_document_key(view, doc) if for_citizen else doc.storage_key,
                filename=doc.file_name,
            )
            if doc.is_ready
            else None,
        }
        for doc in queries.documents(view, for_citizen=for_citizen)
    ]


def _detail(view, *, for_citizen: bool, actor: Actor, viewer: Agency | None = None) -> dict:
    case = view.case
    # What this caller may do to the case today, and why not the rest (cases.procedure decides).
    allowed = procedure.allowed_actions(actor, view.index, procedure.current_case(view, viewer))
    data = {
        "id": case.pk,
        "tracking_number": case.tracking_number,
        "title": case.title,
        "body": case.body,
        "petition_type": case.petition_type,
        "state": case.state,
        "holder": view.index.holder.code,
        "opinion": case.opinion,
        "reply_text": case.reply_text,
        "satisfaction": case.satisfaction,
        "timeline": [step.__dict__ for step in queries.timeline(view, for_citizen=for_citizen)],
        "documents": _document_rows(view, for_citizen=for_citizen),
        "deadlines": [
            {**d.__dict__, "label": str(d.label), "status": str(d.status) if d.status else None}
            for d in queries.deadlines(view)
        ],
        "allowed_actions": {name: answer.as_dict() for name, answer in allowed.items()},
    }
    if viewer is not None:
        data["petitioner"] = services.petitioner_for_staff(case, viewer)
    if for_citizen:
        data["attachments"] = _attachment_rows(view)
    return s.CaseDetailSerializer(data).data


def _attachment_rows(view) -> list[dict]:
    """The petition's materials (filed and 补充材料) with download links, for the petitioner only (the
    caller checked ownership: cases.access.case_for_citizen), as on the portal's petition page."""
    from filestore.services import download_url

    return [
        {
            "id": attachment.pk,
            "file_name": attachment.file_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "uploaded_by": attachment.uploaded_by,
            "created_at": attachment.created_at,
            "download_url": download_url(attachment.storage_key, filename=attachment.file_name),
        }
        for attachment in queries.attachments(view, viewer_agency=None)
    ]


class MyPetitions(APIView):
    permission_classes = [IsCitizenOnPortal]

    @extend_schema(
        parameters=[CaseListFilters],
        responses=s.CaseIndexSerializer(many=True),
        summary="My petitions, newest first (paginated, filtered)",
    )
    def get(self, request):
        rows = filtered(request, CaseListFilters).apply(queries.citizen_petitions(request.user))
        return paginated(request, self, rows, s.CaseIndexSerializer)

    @extend_schema(
        request={
            "application/json": s.FilePetitionSerializer,
            "multipart/form-data": s.FilePetitionSerializer,
        },
        responses={201: s.SubmitResultSerializer},
        summary="File a petition (the real-name profile supplies the petitioner); attachments: the files "
        "uploaded for its submission_id (/api/v1/uploads/) and any sent with it (multipart)",
    )
    def post(self, request):
        from accounts.services import petitioner_snapshot
        from api.citizen import draft_attachments
        from filestore.services import release_staged
        from public_site.filing import store_draft_upload

        form = s.FilePetitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data["attachments"] and not (
            data["submission_id"] and CaseIndex.objects.filter(case_uuid=data["submission_id"]).exists()
        ):
            # Files sent with the filing become rows of its draft, as if uploaded one by one first (a
            # retry of a filing that went through stores nothing again: it gets the first receipt).
            data["submission_id"] = data["submission_id"] or uuid.uuid4()
            for upload in data["attachments"]:
                store_draft_upload(request.user, data["submission_id"], upload)
        attachments = draft_attachments(request.user, data["submission_id"])
        agency = filing_agency(data["agency"])
        if agency is None and data["agency"]:
            unknown = _("没有这个单位代码。")
            raise HallError(unknown, code="invalid_agency", status=400, fields={"agency": unknown})
        if agency is None:
            agency = services._bureau()  # no bureau at all: its own clear error
        snapshot = petitioner_snapshot(request.user)
        result = services.submit_petition(
            actor=Actor.from_request(request),
            filed_with=agency,
            submission_id=data["submission_id"],
            petition=PetitionInput(
                petition_type=data["petition_type"],
                title=data["title"],
                body=data["body"],
                location=data["location"],
                people_count=data["people_count"],
                is_public=data["is_public"],
                reported_agency=data["reported_agency"],
                attachments=tuple(attachments),
            ),
            petitioner=PetitionerInput(
                name=snapshot["name"],
                id_number=snapshot["id_number"],
                phone=snapshot["phone"],
                address=snapshot["address"],
            ),
        )
        release_staged(a.storage_key for a in attachments)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(s.SubmitResultSerializer(result).data, status=code)


class MyPetition(APIView):
    permission_classes = [IsCitizenOnPortal]

    @extend_schema(responses=s.CaseDetailSerializer, summary="One of my petitions, with its timeline")
    def get(self, request, case_id):
        view = case_for_citizen(request.user, case_id)
        # 送达 (arts. 35-36): the petitioner reading their petition receives what was published to them.
        if services.record_portal_view(
            case_uuid=view.index.case_uuid, actor=Actor.from_request(request), index=view.index
        ):
            view = case_for_citizen(request.user, case_id)
        return Response(_detail(view, for_citizen=True, actor=Actor.from_request(request)))


class CitizenAction(APIView):
    """POST evaluation / review / rereview on one of my petitions."""

    permission_classes = [IsCitizenOnPortal]

    @extend_schema(
        request=s.EvaluationSerializer,
        responses=s.CaseDetailSerializer,
        operation_id="petition_action",
        summary="Rate the reply, or ask for review or re-review (body: satisfaction/comment or reason)",
    )
    def post(self, request, case_id, action):
        view = case_for_citizen(request.user, case_id)
        actor = Actor.from_request(request)
        if action == "evaluation":
            form = s.EvaluationSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            services.evaluate_case(case_uuid=view.case.pk, actor=actor, **form.validated_data)
        elif action in ("review", "rereview"):
            form = s.ReasonSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            request_it = services.request_review if action == "review" else services.request_rereview
            request_it(case_uuid=view.case.pk, actor=actor, reason=form.validated_data["reason"])
        else:
            raise HallError("未知操作。", code="unknown_action", status=404)
        return Response(
            _detail(
                case_for_citizen(request.user, case_id), for_citizen=True, actor=Actor.from_request(request)
            )
        )


class AgencyCases(APIView):
    permission_classes = [IsStaffOfHostAgency]

    @extend_schema(
        parameters=[CaseListFilters],
        responses=s.CaseIndexSerializer(many=True),
        summary="Cases this agency holds, next deadline first (open ones unless is_open says otherwise)",
    )
    def get(self, request):
        filters = filtered(request, CaseListFilters)
        open_only = filters.validated_data.get("is_open") is None
        rows = filters.apply(
            queries.agency_inbox(request.tenant, open_only=open_only).select_related("holder")
        )
        return paginated(request, self, rows, s.CaseIndexSerializer)


class AgencyCase(APIView):
    permission_classes = [IsStaffOfHostAgency]

    @extend_schema(responses=s.CaseDetailSerializer, summary="A case this agency holds (petitioner masked)")
    def get(self, request, case_id):
        view = case_for_agency(request.tenant, case_id)
        return Response(
            _detail(view, for_citizen=False, actor=Actor.from_request(request), viewer=request.tenant)
        )


def _target(code: str | None) -> Agency:
    return get_object_or_404(Agency, code=code or "")


# action name -> how to call the service with the validated fields
_STAFF_ACTIONS = {
    "register": lambda d, **k: services.register_case(**k),
    "sign": lambda d, **k: services.sign_case(**k),
    "accept": lambda d, **k: services.accept_case(message=d["text"], **k),
    "not-accept": lambda d, **k: services.not_accept_case(
        channel=d.get("channel", ""), reason=d["reason"], **k
    ),
    "forward": lambda d, **k: services.forward_case(
        target=_target(d.get("target")),
        mode=d["mode"],
        assignment_due=d["assignment_due"],
        report_required=d["report_required"],
        message=d["text"],
        **k,
    ),
    "reply-directly": lambda d, **k: services.reply_directly(
        opinion=d.get("opinion", ""), text=d["text"], **k
    ),
    "not-accept-by-bureau": lambda d, **k: services.not_accept_by_bureau(
        channel=d.get("channel", ""), reason=d["reason"], **k
    ),
    "send-to-bureau": lambda d, **k: services.send_to_bureau(reason=d["reason"], **k),
    "object": lambda d, **k: services.object_to_routing(reason=d["reason"], **k),
    "request-extension": lambda d, **k: services.request_extension(
        days=d.get("days") or 0, reason=d["reason"], **k
    ),
    "decide-extension": lambda d, **k: services.decide_extension(
        approve=d["approve"], comment=d["reason"], **k
    ),
    "reply": lambda d, **k: services.reply_case(opinion=d.get("opinion", ""), text=d["text"], **k),
    "answer-review": lambda d, **k: services.answer_review(opinion=d.get("opinion", ""), text=d["text"], **k),
    "answer-rereview": lambda d, **k: services.answer_rereview(
        opinion=d.get("opinion", ""), text=d["text"], **k
    ),
    "close": lambda d, **k: services.close_case(**k),
}


class AgencyCaseAction(APIView):
    permission_classes = [IsStaffOfHostAgency]

    @extend_schema(
        request=s.StaffActionSerializer,
        responses=s.CaseDetailSerializer,
        operation_id="case_action",
        summary="Take a lawful action on a case this agency holds (see the action names)",
    )
    def post(self, request, case_id, action):
        perform = _STAFF_ACTIONS.get(action)
        if perform is None:
            raise HallError("未知操作。", code="unknown_action", status=404)
        view = case_for_agency(request.tenant, case_id)  # 404 unless this agency has the case
        form = s.StaffActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        perform(form.validated_data, case_uuid=view.case.pk, actor=Actor.from_request(request))
        after = case_for_agency(request.tenant, case_id)
        if not after.is_holder:
            return Response(
                {"id": str(view.case.pk), "state": "transferred", "holder": after.index.holder.code}
            )
        return Response(
            _detail(after, for_citizen=False, actor=Actor.from_request(request), viewer=request.tenant)
        )
