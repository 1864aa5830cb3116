"""The citizen's API on the portal host, beyond the petitions themselves (api.views): the real-name
profile, attachments uploaded before filing (the portal's own draft rows), 补充材料, notifications.

Adapters over the services the portal pages call (accounts.services.save_profile,
cases.supplements.add_supplement, notifications.services.mark_read), so the API refuses with the
portal's code and message. Everything is the signed-in citizen's own; anything else is not found.
"""

from __future__ import annotations

import uuid

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.actions import ERRORS
from api.pagination import paginated
from api.permissions import IsCitizenOnPortal
from cases.access import case_for_citizen
from cases.services import Actor, AttachmentInput
from config import net
from config.errors import HallError, NotFound

# --- Profile (实名登记) ---------------------------------------------------------------------------


class ProfileSerializer(serializers.Serializer):
    registered = serializers.BooleanField(read_only=True, help_text="whether a real-name profile exists")
    full_name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="18-digit resident ID; required the first time, kept when left out later",
    )
    masked_id_number = serializers.CharField(read_only=True, help_text="the region prefix and last four")
    phone = serializers.CharField(max_length=30)
    address = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


def _profile_data(user) -> dict:
    from accounts.queries import profile_for

    profile = profile_for(user)
    if profile is None:
        return {"registered": False, "full_name": "", "masked_id_number": "", "phone": "", "address": ""}
    return {
        "registered": True,
        "full_name": profile.full_name,
        "masked_id_number": profile.masked_id_number,
        "phone": profile.phone,
        "address": profile.address,
    }


class Profile(APIView):
    """The fields the portal's profile page shows and edits: name, ID number (write-only), phone, address."""

    permission_classes = [IsCitizenOnPortal]

    @extend_schema(responses=ProfileSerializer, summary="My real-name profile (实名信息)")
    def get(self, request):
        return Response(ProfileSerializer(_profile_data(request.user)).data)

    @extend_schema(
        request=ProfileSerializer,
        responses={200: ProfileSerializer, **ERRORS, 429: ERRORS[400]},
        summary="Register or update my real-name profile (the ID number is kept when left out)",
    )
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(
        request=ProfileSerializer,
        responses={200: ProfileSerializer, **ERRORS, 429: ERRORS[400]},
        summary="Change some fields of my real-name profile",
    )
    def patch(self, request):
        return self._save(request, partial=True)

    def _save(self, request, *, partial: bool):
        from accounts.services import save_profile

        current = _profile_data(request.user)
        form = ProfileSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = {**current, **form.validated_data}
        save_profile(
            user=request.user,
            full_name=data["full_name"],
            id_number=(data.get("id_number") or "").strip() or None,
            phone=data["phone"],
            address=data.get("address", ""),
            client_address=net.rate_limit_address(request),
        )
        return Response(ProfileSerializer(_profile_data(request.user)).data)


# --- Uploads before filing (upload-then-attach) --------------------------------------------------


class UploadSerializer(serializers.Serializer):
    submission_id = serializers.UUIDField(source="draft")
    token = serializers.CharField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class UploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="one attachment (checked as on the portal: type and size)")
    submission_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="the draft to add it to; a new one when empty. File the petition with the same id.",
    )


class Uploads(APIView):
    """Attachments of a petition not yet filed: the portal's draft rows (filestore's StagedUpload)."""

    permission_classes = [IsCitizenOnPortal]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={201: UploadSerializer, **ERRORS},
        summary="Upload one attachment for a petition to be filed (then file it with the same submission_id)",
    )
    def post(self, request):
        from public_site.filing import store_draft_upload

        form = UploadInput(data=request.data)
        form.is_valid(raise_exception=True)
        draft = form.validated_data["submission_id"] or uuid.uuid4()
        staged = store_draft_upload(request.user, draft, form.validated_data["file"])
        return Response(UploadSerializer(staged).data, status=status.HTTP_201_CREATED)


class DraftUploads(APIView):
    permission_classes = [IsCitizenOnPortal]

    @extend_schema(responses=UploadSerializer(many=True), summary="The attachments uploaded for one draft")
    def get(self, request, submission_id):
        from filestore.services import draft_uploads

        rows = draft_uploads(request.user, submission_id)
        return paginated(request, self, rows, UploadSerializer)


class DraftUpload(APIView):
    permission_classes = [IsCitizenOnPortal]

    @extend_schema(responses={204: None, 404: ERRORS[404]}, summary="Remove one attachment from a draft")
    def delete(self, request, submission_id, token):
        from filestore.models import StagedUpload
        from filestore.services import drop_draft_upload

        if not StagedUpload.objects.filter(owner=request.user, draft=submission_id, token=token).exists():
            raise NotFound(_("找不到该附件。"))
        drop_draft_upload(request.user, submission_id, token)
        return Response(status=status.HTTP_204_NO_CONTENT)


def draft_attachments(user, submission_id: uuid.UUID | None) -> list[AttachmentInput]:
    """The draft's uploads as the petition's attachments. One whose file went missing is dropped and
    the filing refused, naming it: never a petition whose attachments silently went missing."""
    if submission_id is None:
        return []
    from filestore.services import draft_files, drop_draft_upload

    files = draft_files(user, submission_id)
    missing = [f for f in files if not default_storage.exists(f.key)]
    if missing:
        for lost in missing:
            drop_draft_upload(user, submission_id, lost.token)
        raise HallError(
            _("以下附件已失效，请重新上传后再提交：%(names)s")
            % {"names": "、".join(f.name for f in missing)},
            code="attachments_missing",
        )
    return [AttachmentInput(f.key, f.name, f.content_type, f.size) for f in files]


# --- 补充材料 -------------------------------------------------------------------------------------


class SupplementInput(serializers.Serializer):
    text = serializers.CharField(required=False, default="", allow_blank=True, trim_whitespace=False)
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="files (multipart)"
    )


class Supplements(APIView):
    permission_classes = [IsCitizenOnPortal]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": SupplementInput, "application/json": SupplementInput},
        responses={200: s.CaseDetailSerializer, **ERRORS},
        summary="Add material (补充材料) to my open petition: text and/or files",
    )
    def post(self, request, case_id):
        from api.views import _detail
        from cases.supplements import add_supplement
        from filestore.services import release_staged
        from public_site.mine import stage_supplement_upload

        case_for_citizen(request.user, case_id)  # 404 unless it is the caller's own
        form = SupplementInput(data=request.data)
        form.is_valid(raise_exception=True)
        actor = Actor.from_request(request)
        stored = [stage_supplement_upload(upload) for upload in form.validated_data["attachments"]]
        add_supplement(case_uuid=case_id, actor=actor, text=form.validated_data["text"], attachments=stored)
        release_staged(a.storage_key for a in stored)
        return Response(_detail(case_for_citizen(request.user, case_id), for_citizen=True, actor=actor))


# --- Notifications -------------------------------------------------------------------------------


class NotificationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    tracking_number = serializers.CharField()
    case_id = serializers.UUIDField(source="case_uuid", allow_null=True)
    subject = serializers.CharField()
    body = serializers.CharField()
    needs_action = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationFilters(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)
    tracking_number = serializers.CharField(required=False, max_length=32)


class Notifications(APIView):
    permission_classes = [IsCitizenOnPortal]

    @extend_schema(
        parameters=[NotificationFilters],
        responses=NotificationSerializer(many=True),
        summary="My notifications, newest first",
    )
    def get(self, request):
        from api.pagination import filtered
        from notifications.models import Notification

        filters = filtered(request, NotificationFilters).validated_data
        rows = Notification.objects.filter(user=request.user).order_by("-created_at", "pk")
        if filters.get("unread") is not None:
            rows = rows.filter(read_at__isnull=filters["unread"])
        if filters.get("tracking_number"):
            rows = rows.filter(tracking_number=filters["tracking_number"].strip().upper())
        return paginated(request, self, rows, NotificationSerializer)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationRead(APIView):
    permission_classes = [IsCitizenOnPortal]

    @extend_schema(
        request=None, responses={200: NotificationSerializer, 404: ERRORS[404]}, summary="Mark read"
    )
    def post(self, request, notification_id):
        from notifications.models import Notification
        from notifications.services import mark_read

        mark_read(user=request.user, notification_id=notification_id)
        row = Notification.objects.filter(user=request.user, pk=notification_id).first()
        if row is None:
            raise NotFound(_("找不到该通知。"))
        return Response(NotificationSerializer(row).data)


class NotificationsReadAll(APIView):
    permission_classes = [IsCitizenOnPortal]

    @extend_schema(request=None, responses=MarkedSerializer, summary="Mark all my notifications read")
    def post(self, request):
        from notifications.services import mark_all_read

        return Response({"marked": mark_all_read(user=request.user)})
