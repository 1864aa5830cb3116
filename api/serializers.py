from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import (
    MAX_PEOPLE_COUNT,
    HandlingOpinion,
    LawfulChannel,
    PetitionType,
    RoutingMode,
    Satisfaction,
)
from config.forms import BoundedDateField as BoundedFormDateField


class BoundedDateField(serializers.DateField):
    """A date the hall can count deadlines with: the range of the pages' BoundedDateField."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        earliest, latest = BoundedFormDateField.earliest, BoundedFormDateField.latest
        if not earliest <= parsed <= latest:
            raise serializers.ValidationError(
                _("请输入 %(earliest)s 至 %(latest)s 之间的日期。")
                % {"earliest": earliest.isoformat(), "latest": latest.isoformat()}
            )
        return parsed


class CaseIndexSerializer(serializers.Serializer):
    """A row of a list: what the public index knows, no personal data."""

    id = serializers.UUIDField(source="case_uuid")
    tracking_number = serializers.CharField()
    title = serializers.CharField()
    petition_type = serializers.CharField()
    state = serializers.CharField()
    holder = serializers.CharField(source="holder.code")
    holder_name = serializers.CharField(source="holder.name_zh")
    submitted_at = serializers.DateTimeField()
    next_due = serializers.DateField(allow_null=True)
    next_due_kind = serializers.CharField()


class TimelineStepSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    agency_name = serializers.CharField()
    actor_name = serializers.CharField()
    message = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    number = serializers.CharField()
    title = serializers.CharField()
    created_at = serializers.DateTimeField()
    generated = serializers.BooleanField()
    delivered_on = serializers.DateField(allow_null=True, help_text="when it reached the petitioner (送达)")
    status = serializers.ChoiceField(
        choices=["ready", "pending", "failed"],
        help_text="ready, or pending/failed while the PDF is rendered after the step that issued it",
    )
    download_url = serializers.CharField(allow_null=True, help_text="null until the document is ready")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    file_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_by = serializers.CharField(help_text="citizen or staff")
    created_at = serializers.DateTimeField()
    download_url = serializers.CharField()


class DeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    due = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    days_left = serializers.IntegerField()
    article = serializers.IntegerField()
    # Counted over a year whose holidays are not entered yet (statutory holidays only): may move.
    provisional = serializers.BooleanField()


class AllowedActionSerializer(serializers.Serializer):
    """Whether the caller may take one action now; if not, the refusal's code and reason."""

    allowed = serializers.BooleanField()
    code = serializers.CharField()
    reason = serializers.CharField()


class CaseDetailSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    tracking_number = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    petition_type = serializers.CharField()
    state = serializers.CharField()
    holder = serializers.CharField()
    opinion = serializers.CharField()
    reply_text = serializers.CharField()
    satisfaction = serializers.CharField()
    petitioner = serializers.DictField(child=serializers.CharField(), required=False)
    timeline = TimelineStepSerializer(many=True)
    documents = DocumentSerializer(many=True)
    attachments = AttachmentSerializer(
        many=True, required=False, help_text="the petitioner's own view only: the materials they sent"
    )
    deadlines = DeadlineSerializer(many=True)
    allowed_actions = serializers.DictField(
        child=AllowedActionSerializer(),
        help_text="every action of the procedure (cases.procedure) by name: may the caller take it now",
    )


class FilePetitionSerializer(serializers.Serializer):
    agency = serializers.CharField(required=False, default="", help_text="agency code; the bureau when empty")
    petition_type = serializers.ChoiceField(choices=PetitionType.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    location = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    people_count = serializers.IntegerField(min_value=1, max_value=MAX_PEOPLE_COUNT, default=1)
    is_public = serializers.BooleanField(default=False)
    reported_agency = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text="report (检举控告) only, required there: the code of an agency of the registry",
    )
    submission_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="a retried filing returns the first petition; its uploads (/api/v1/uploads/) are attached",
    )
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="files (multipart only)"
    )

    def validate_reported_agency(self, value: str) -> str:
        # 信访工作条例 arts. 30, 46: only a code of the registry, never free text ("GAJ" is "gaj").
        from tenants.models import reportable_agencies

        code = value.strip().lower()
        if code and not reportable_agencies().filter(code=code).exists():
            raise serializers.ValidationError(
                _("没有代码为“%(code)s”的单位，请从列表中选择被检举单位。") % {"code": value.strip()[:20]}
            )
        return code


class SubmitResultSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="case_uuid")
    tracking_number = serializers.CharField()
    query_code = serializers.CharField()
    state = serializers.CharField()
    holder = serializers.CharField(source="holder_code")
    linked_to = serializers.UUIDField(allow_null=True)
    created = serializers.BooleanField()


class EvaluationSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(required=False, default="", allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class StaffActionSerializer(serializers.Serializer):
    """The fields an action takes; each action reads the ones it needs."""

    target = serializers.CharField(required=False, help_text="forward/assign: the target agency code")
    mode = serializers.ChoiceField(choices=RoutingMode.choices, required=False, default=RoutingMode.FORWARD)
    assignment_due = BoundedDateField(required=False, allow_null=True, default=None)
    report_required = serializers.BooleanField(required=False, default=False)
    opinion = serializers.ChoiceField(choices=HandlingOpinion.choices, required=False)
    text = serializers.CharField(required=False, default="", allow_blank=True)
    channel = serializers.ChoiceField(choices=LawfulChannel.choices, required=False)
    reason = serializers.CharField(required=False, default="", allow_blank=True)
    days = serializers.IntegerField(required=False)
    approve = serializers.BooleanField(required=False, default=False)
