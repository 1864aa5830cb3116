"""The petition case, in the schema of the agency that holds it.

Every table here exists once per agency schema. Identities are UUIDs so that a case keeps its id when it
moves from one schema to another (forwarding, review), and no table points into another schema.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from config.crypto import EncryptedTextField

# The most people one petition may speak for (涉及人数): any real group petition fits, and the column
# (PostgreSQL integer) never overflows. The service enforces it; the forms and the API bound their
# fields with it.
MAX_PEOPLE_COUNT = 100_000
# The longest petition text (内容) any surface accepts: refused beyond it, never cut.
MAX_BODY_LENGTH = 10_000


class PetitionType(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    REQUEST = "request", _("求决")
    SUGGESTION = "suggestion", _("建议")
    OPINION = "opinion", _("意见")
    CONSULTATION = "consultation", _("咨询")
    # 检举控告: identity and materials protected from the reported unit (信访工作条例 arts. 30, 46).
    REPORT = "report", _("检举控告")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上信访")
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    PHONE = "phone", _("来电")


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("待登记")
    REGISTERED = "registered", _("已登记")
    RECEIVED = "received", _("待签收")
    SIGNED = "signed", _("已签收")
    OBJECTED = "objected", _("异议审核中")
    ACCEPTED = "accepted", _("办理中")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    REPLIED = "replied", _("已答复")
    REVIEW_REQUESTED = "review_requested", _("复查中")
    REVIEWED = "reviewed", _("已复查")
    REREVIEW_REQUESTED = "rereview_requested", _("复核中")
    TERMINATED = "terminated", _("已终结")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")
    LINKED = "linked", _("重复信访（已关联）")
    # The stub an agency keeps after the case moved to another agency's schema.
    TRANSFERRED = "transferred", _("已转出")


OPEN_STATES = frozenset(
    {
        CaseState.SUBMITTED,
        CaseState.REGISTERED,
        CaseState.RECEIVED,
        CaseState.SIGNED,
        CaseState.OBJECTED,
        CaseState.ACCEPTED,
        CaseState.REPLIED,
        CaseState.REVIEW_REQUESTED,
        CaseState.REVIEWED,
        CaseState.REREVIEW_REQUESTED,
    }
)


class RoutingMode(models.TextChoices):
    FORWARD = "forward", _("转送")
    ASSIGN = "assign", _("交办")


class LawfulChannel(models.TextChoices):
    """诉访分离: matters that belong to another legal procedure (信访工作条例 art. 31)."""

    LITIGATION = "litigation", _("诉讼")
    ARBITRATION = "arbitration", _("仲裁")
    RECONSIDERATION = "reconsideration", _("行政复议")
    OTHER_STATUTORY = "other_statutory", _("其他法定途径")
    NOT_PETITION = "not_petition", _("不属于信访事项")
    FINAL = "final", _("已经三级终结")
    # 信访工作条例 arts. 35-36: the review (or re-review) window ran out unused; the answer stands.
    LAPSED = "lapsed", _("复查（复核）期限届满未申请")


class HandlingOpinion(models.TextChoices):
    """信访处理意见 (art. 32): support, explain, or not support."""

    SUPPORT = "support", _("予以支持")
    EXPLAIN = "explain", _("解释说明")
    NOT_SUPPORT = "not_support", _("不予支持")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class ExtensionStatus(models.TextChoices):
    NONE = "", _("未申请")
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class ReportStatus(models.TextChoices):
    NONE = "", _("无")
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


class DeliveryMethod(models.TextChoices):
    PORTAL = "portal", _("网上查阅")
    DEEMED = "deemed", _("网上发布期满视为送达")
    PAPER = "paper", _("纸质送达")


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tracking_number = models.CharField(_("信访件编号"), max_length=32, unique=True)
    channel = models.CharField(_("信访渠道"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    citizen_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    filed_with = models.CharField(_("受信单位"), max_length=20)  # agency code the citizen chose

    petition_type = models.CharField(_("信访类型"), max_length=20, choices=PetitionType.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    location = models.CharField(_("事发地点"), max_length=200, blank=True)
    people_count = models.PositiveIntegerField(_("涉及人数"), default=1)
    is_public = models.BooleanField(_("是否公开"), default=False)
    # 检举控告 against a unit: the agency code reported against (its staff never see the reporter).
    reported_agency = models.CharField(_("被检举单位"), max_length=20, blank=True)

    # Petitioner snapshot at filing. For a protected report these hold placeholders: the identity lives
    # only in the public-schema vault (cases.index.ProtectedIdentity). ID number, phone and address are
    # stored only encrypted (config.crypto); staff surfaces show them through config.masking.
    petitioner_name = models.CharField(_("信访人姓名"), max_length=50)
    petitioner_id_number = models.TextField(_("身份证号（加密）"), blank=True)
    petitioner_phone = EncryptedTextField(_("联系电话"), blank=True)
    petitioner_address = EncryptedTextField(_("联系地址"), blank=True)
    identity_protected = models.BooleanField(default=False)

    state = models.CharField(_("状态"), max_length=20, choices=CaseState.choices, db_index=True)
    routing_mode = models.CharField(_("处理方式"), max_length=10, choices=RoutingMode.choices, blank=True)
    routed_by = models.CharField(max_length=20, blank=True)  # agency code that routed it here
    assignment_due = models.DateField(_("交办期限"), null=True, blank=True)
    report_required = models.BooleanField(_("须报送办结报告"), default=False)
    report_status = models.CharField(max_length=10, choices=ReportStatus.choices, blank=True, default="")
    report_text = models.TextField(blank=True)
    # 信访工作条例 art. 22(三): 交办 carries the 办结报告, due back at the bureau by this day.
    report_due = models.DateField(_("办结报告期限"), null=True, blank=True)
    report_submitted_at = models.DateTimeField(null=True, blank=True)  # the first submission: never moves
    report_return_reason = models.TextField(blank=True)

    submitted_at = models.DateTimeField()
    # A letter's actual arrival (来信到达日期), entered by staff: the routing clock runs from it (art. 22).
    arrived_on = models.DateField(_("来信到达日期"), null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)  # by the current holder
    signed_at = models.DateTimeField(null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)  # bureau's routing decision
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance_decided_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    review_requested_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rereview_requested_at = models.DateTimeField(null=True, blank=True)
    rereviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # 自收到之日起 (arts. 35-36): when the written reply and the review opinion reached the petitioner.
    reply_delivered_on = models.DateField(null=True, blank=True)
    review_delivered_on = models.DateField(null=True, blank=True)
    # The day each counts as received online if not opened before (publication + the service period);
    # None for a petitioner without a portal account (delivered on paper).
    reply_service_due = models.DateField(null=True, blank=True)
    review_service_due = models.DateField(null=True, blank=True)
    # The bureau confirmed (or undid) the automatic link to an open matter (art. 19).
    link_confirmed_at = models.DateTimeField(null=True, blank=True)

    # Deadlines (the last day, ending 24:00 local time), each from its legal starting event.
    routing_due = models.DateField(null=True, blank=True)  # art. 22: 15 days from receipt by the bureau
    acceptance_due = models.DateField(null=True, blank=True)  # art. 23: 15 days from receipt
    objection_due = models.DateField(null=True, blank=True)  # art. 23: 5 working days from receipt
    handling_due = models.DateField(null=True, blank=True)  # art. 34: 60 days from acceptance (+≤30)
    review_request_due = models.DateField(null=True, blank=True)  # art. 35: 30 days from the reply
    review_due = models.DateField(null=True, blank=True)  # art. 35: 30 days from the request
    rereview_request_due = models.DateField(null=True, blank=True)  # art. 36: 30 days from the opinion
    rereview_due = models.DateField(null=True, blank=True)  # art. 36: 30 days from the request

    extension_status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, blank=True, default=""
    )
    extension_days = models.PositiveIntegerField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    objection_reason = models.TextField(blank=True)
    # When the bureau refused the agency's objection to its routing: the agency's acceptance clock runs
    # from this ruling (信访工作条例 art. 23, see cases.services.routing.decide_objection).
    objection_ruled_at = models.DateTimeField(null=True, blank=True)

    not_accepted_channel = models.CharField(max_length=20, choices=LawfulChannel.choices, blank=True)
    not_accepted_reason = models.TextField(blank=True)
    opinion = models.CharField(max_length=20, choices=HandlingOpinion.choices, blank=True)
    reply_text = models.TextField(blank=True)
    review_opinion = models.CharField(max_length=20, choices=HandlingOpinion.choices, blank=True)
    review_text = models.TextField(blank=True)
    rereview_opinion = models.CharField(max_length=20, choices=HandlingOpinion.choices, blank=True)
    rereview_text = models.TextField(blank=True)
    review_request_reason = models.TextField(blank=True)
    rereview_request_reason = models.TextField(blank=True)
    satisfaction = models.CharField(max_length=12, choices=Satisfaction.choices, blank=True)
    satisfaction_comment = models.TextField(blank=True)

    # The review hierarchy as it stood when each request was made (tenants.ReviewBody codes), and the
    # agency that wrote the reply: nobody reviews their own decision (arts. 35-36).
    replied_by = models.CharField(max_length=20, blank=True)
    review_body = models.CharField(_("复查机关"), max_length=20, blank=True)
    rereview_body = models.CharField(_("复核机关"), max_length=20, blank=True)
    # Days of closed re-review hearings, left out of the 30-day re-review period (art. 36).
    hearing_days = models.PositiveIntegerField(default=0)
    hearing_open = models.BooleanField(default=False)  # a hearing scheduled and not yet closed

    linked_to = models.UUIDField(null=True, blank=True)  # an open case of the same matter (art. 19)
    merged_into = models.UUIDField(null=True, blank=True)
    handler_uuid = models.UUIDField(null=True, blank=True)
    handler_name = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("信访件")
        verbose_name_plural = _("信访件")

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交信访事项")
    REGISTERED = "registered", _("登记")
    FORWARDED = "forwarded", _("转送")
    ASSIGNED = "assigned", _("交办")
    SENT_TO_BUREAU = "sent_to_bureau", _("移交信访局")
    TRANSFERRED_IN = "transferred_in", _("转入")
    REPLIED_DIRECTLY = "replied_directly", _("直接答复")
    NOT_ACCEPTED_BY_BUREAU = "not_accepted_by_bureau", _("不予受理（告知法定途径）")
    MERGED = "merged", _("合并")
    LINKED = "linked", _("重复信访，关联原件")
    REPEAT_RECEIVED = "repeat_received", _("收到同一事项的重复信访")
    SIGNED = "signed", _("签收")
    OBJECTED = "objected", _("提出分流异议")
    OBJECTION_APPROVED = "objection_approved", _("异议成立，退回信访局")
    OBJECTION_REJECTED = "objection_rejected", _("异议不成立")
    ACCEPTED = "accepted", _("受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    HANDLER_ASSIGNED = "handler_assigned", _("指定承办人")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("批准延期")
    EXTENSION_REFUSED = "extension_refused", _("不批准延期")
    REPLIED = "replied", _("出具处理意见")
    REPORT_SUBMITTED = "report_submitted", _("报送办结报告")
    REPORT_ACCEPTED = "report_accepted", _("办结报告审核通过")
    REPORT_RETURNED = "report_returned", _("办结报告退回")
    EVALUATED = "evaluated", _("评价")
    REVIEW_REQUESTED = "review_requested", _("申请复查")
    REVIEWED = "reviewed", _("出具复查意见")
    REREVIEW_REQUESTED = "rereview_requested", _("申请复核")
    REREVIEWED = "rereviewed", _("出具复核意见（终结）")
    CLOSED = "closed", _("办结")
    REVIEW_DECLINED = "review_declined", _("信访人不再申请复查、复核")
    REFERRED = "referred", _("移送上级机关复查、复核")
    OUTSIDE_RESULT = "outside_result", _("登记上级机关的复查、复核意见")
    HEARING_SCHEDULED = "hearing_scheduled", _("决定举行听证")
    HEARING_CLOSED = "hearing_closed", _("听证结束")
    DOCUMENT_ADDED = "document_added", _("上传文书")
    SUPERVISION = "supervision", _("督办")
    CLAIMED = "claimed", _("信访人在网上认领")
    DEADLINES_RECALCULATED = "deadlines_recalculated", _("节假日调整，期限重新计算")
    SUPPLEMENTED = "supplemented", _("信访人补充材料")
    DELIVERED = "delivered", _("文书送达")
    LINK_CONFIRMED = "link_confirmed", _("确认重复信访关联")
    LINK_UNDONE = "link_undone", _("撤销重复信访关联，作为新信访事项办理")


class CaseEvent(models.Model):
    """One step of the case's timeline. Append-only and hash-chained per case (see cases.audit)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    at = models.DateTimeField()
    agency_code = models.CharField(max_length=20)  # the agency that acted (shown to the citizen)
    actor_uuid = models.UUIDField(null=True, blank=True)  # the person (shown to staff only)
    actor_name = models.CharField(max_length=50, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    changes = models.JSONField(default=dict)
    message = models.TextField(blank=True)  # what the citizen is told for this step
    visible_to_citizen = models.BooleanField(default=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"


class DocumentStatus(models.TextChoices):
    """Where a generated document is between its action and its PDF (cases.services.documents)."""

    READY = "ready", _("已生成")
    PENDING = "pending", _("正在生成")
    FAILED = "failed", _("生成失败，正在重试")


class Document(models.Model):
    """A notice or opinion: generated as PDF, or a signed scan that supersedes the generated one.

    A generated document is recorded (numbered, dated, its words fixed in ``render_spec``) inside the
    action's transaction, and rendered and stored after it commits (``status`` pending → ready): no
    PDF renders under the case's row lock, and a rolled-back action leaves no file behind.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=40)
    number = models.CharField(max_length=60, blank=True)
    title = models.CharField(max_length=200)
    agency_code = models.CharField(max_length=20)
    storage_key = models.CharField(max_length=400)
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveIntegerField(default=0)
    generated = models.BooleanField(default=True)
    supersedes = models.UUIDField(null=True, blank=True)
    superseded = models.BooleanField(default=False)
    visible_to_citizen = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by_uuid = models.UUIDField(null=True, blank=True)
    # 送达 (自收到之日起, arts. 35-36): when it reached the petitioner, and how (DeliveryMethod);
    # ``service_due`` is the day it counts as received online when not opened before (a setting).
    delivered_on = models.DateField(null=True, blank=True)
    delivery_method = models.CharField(max_length=10, blank=True, default="")
    service_due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.READY)
    # What the PDF says, captured from the case inside the action's transaction (the renderer never
    # re-reads the case): the arguments of documents.services.render_document. Emptied once rendered.
    render_spec = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.number or self.title}"

    @property
    def is_ready(self) -> bool:
        """Whether the file exists to be downloaded (a generated PDF may still be rendering)."""
        return self.status == DocumentStatus.READY


class Attachment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    storage_key = models.CharField(max_length=400)
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.CharField(max_length=10, default="citizen")  # citizen | staff
    # A reporter's materials: never shown to the unit reported against (arts. 30, 46).
    protected = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.file_name


class InternalNote(models.Model):
    """Staff-only notes: never shown to the citizen, never copied to another agency."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author_uuid = models.UUIDField()
    author_name = models.CharField(max_length=50)
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class Assignment(models.Model):
    """A handler put on the case inside the holding agency (history kept; one active at a time)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    handler_uuid = models.UUIDField()
    handler_name = models.CharField(max_length=50)
    assigned_by_uuid = models.UUIDField()
    assigned_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["assigned_at"]

    def __str__(self) -> str:
        return self.handler_name


class HearingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    CLOSED = "closed", _("已结束")


class Hearing(models.Model):
    """A re-review hearing (听证, 信访工作条例 art. 36): its days are not counted in the 30-day period."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    starts_on = models.DateField(_("听证日期"))
    place = models.CharField(_("听证地点"), max_length=200)
    ends_on = models.DateField(_("听证结束日期"), null=True, blank=True)
    minutes = models.TextField(_("听证笔录"), blank=True)
    status = models.CharField(max_length=10, choices=HearingStatus.choices, default=HearingStatus.SCHEDULED)
    agency_code = models.CharField(max_length=20)
    scheduled_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.starts_on}"

    @property
    def days(self) -> int:
        """The hearing's days, first to last, both counted (0 while it is still open)."""
        return (self.ends_on - self.starts_on).days + 1 if self.ends_on else 0
