"""Public-schema tables about cases: the index (one row per petition), tracking numbers, the vault of
protected reporter identities and the log of every read of one."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState, PetitionType, Satisfaction


def local_date(moment: str) -> models.Func:
    """The local calendar date (settings.TIME_ZONE) of the timestamptz column ``moment``, as SQL.

    ``timezone(text, timestamptz)`` and the cast to date are IMMUTABLE in PostgreSQL, so the result can
    be a stored generated column: computed once per write instead of once per row in every KPI query.
    """
    return Cast(
        models.Func(models.Value(settings.TIME_ZONE), models.F(moment), function="timezone"),
        models.DateField(),
    )


def _local_date_column(moment: str) -> models.GeneratedField:
    return models.GeneratedField(
        expression=local_date(moment), output_field=models.DateField(), db_persist=True
    )


class CaseIndex(models.Model):
    """One row per case wherever it lives, kept in the same transaction as every case write.

    Serves "my petitions", the oversight views and the deadline sweep with single queries whatever the
    number of agency schemas.
    """

    case_uuid = models.UUIDField(unique=True)
    tracking_number = models.CharField(max_length=32, unique=True)
    query_code_encrypted = models.TextField()  # shown again to the owner on a double submit
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="petitions"
    )
    holder = models.ForeignKey("tenants.Agency", on_delete=models.PROTECT, related_name="held_cases")
    filed_with = models.ForeignKey("tenants.Agency", on_delete=models.PROTECT, related_name="filed_cases")
    petition_type = models.CharField(max_length=20, choices=PetitionType.choices)
    channel = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    petitioner_name = models.CharField(max_length=50)  # a placeholder for protected reports
    is_public = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=CaseState.choices)
    is_open = models.BooleanField(default=True)
    linked_to = models.UUIDField(null=True, blank=True)
    # lookup_hash of the petitioner's ID number: the same person's letters and visits entered by staff
    # without an account are matched with their other petitions (arts. 19, 36). Empty for reports.
    petitioner_id_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)

    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)  # by the current holder
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance_decided_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    # First decisions of the bureau and the review bodies, for the per-clock KPIs (kpis.py).
    routed_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rereviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    accepting_agency = models.ForeignKey(
        "tenants.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="accepted_cases"
    )
    # The local dates of the moments the oversight KPIs compare with due dates and periods
    # (cases/oversight/kpis.py). Generated and stored by PostgreSQL, so every way a row is written
    # (_sync_index, a bulk COPY, a test's objects.create) keeps them right, and the KPI query compares
    # plain dates instead of converting ~100k timestamps per run (AT TIME ZONE). NULL when the moment is.
    submitted_on = _local_date_column("submitted_at")
    acceptance_decided_on = _local_date_column("acceptance_decided_at")
    replied_on = _local_date_column("replied_at")
    routed_at = models.DateTimeField(null=True, blank=True)  # the bureau's routing decision (art. 22)

    # First facts: what happened, as it stood when it first happened. The KPIs read only these (and
    # submitted_at), so nothing done later — a review request that moves the case to the bureau, a
    # re-routing, a second reply — rewrites a past month's figures. PostgreSQL sets each one once, in
    # the BEFORE trigger ``caseindex_first_facts`` (migration 0006), from the live columns of the same
    # write, and keeps it on every later write: whatever writes the row (_sync_index, a bulk COPY, a
    # test's objects.create) cannot change a first fact. Django never writes them meaningfully.
    first_routed_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_routing_due = models.DateField(null=True, blank=True, editable=False)  # as it stood then
    # The first decision whether to accept (受理 / 不予受理, art. 23), the deadline it was measured
    # against and the receipt by the deciding agency it counted from, all as they stood at the decision.
    first_decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_acceptance_due = models.DateField(null=True, blank=True, editable=False)
    first_received_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The first written reply (arts. 32-34) and the handling deadline, extension included, it met or not.
    first_replied_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_handling_due = models.DateField(null=True, blank=True, editable=False)
    # The petitioner's rating of that reply, as first given (参评率, 满意率).
    first_satisfaction = models.CharField(
        max_length=12, choices=Satisfaction.choices, blank=True, default="", db_default="", editable=False
    )
    first_decided_on = _local_date_column("first_decided_at")
    first_replied_on = _local_date_column("first_replied_at")
    routed_on = _local_date_column("routed_at")
    reviewed_on = _local_date_column("reviewed_at")
    rereviewed_on = _local_date_column("rereviewed_at")

    routing_due = models.DateField(null=True, blank=True)
    acceptance_due = models.DateField(null=True, blank=True)
    objection_due = models.DateField(null=True, blank=True)
    handling_due = models.DateField(null=True, blank=True)
    review_request_due = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    rereview_request_due = models.DateField(null=True, blank=True)
    rereview_due = models.DateField(null=True, blank=True)
    # The earliest answer due on a 催办/督办单 to the holder not yet answered (cases.oversight.services).
    supervision_due = models.DateField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    # The first day on which the daily sweep may have something to do on this row (a reminder, a flag,
    # an escalation, a close); NULL: nothing left. Every write sets it from the clocks, the sweep moves
    # it past what it did, so the sweep reads only rows with work (cases.services.sweep).
    sweep_next = models.DateField(null=True, blank=True)
    # The next deadline the holder must meet, for sorting inboxes and the sweep ("" when none runs).
    next_due = models.DateField(null=True, blank=True)
    next_due_kind = models.CharField(max_length=30, blank=True)

    satisfaction = models.CharField(max_length=12, choices=Satisfaction.choices, blank=True)
    # 交办 cases: the completion report's status, so the bureau finds pending reports in one query.
    report_status = models.CharField(max_length=10, blank=True, default="", db_default="")
    # 交办 (art. 22(三)): the 办结报告's deadline (a clock the sweep watches) and its first submission.
    report_due = models.DateField(null=True, blank=True)
    report_submitted_at = models.DateTimeField(null=True, blank=True)
    report_submitted_on = _local_date_column("report_submitted_at")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["holder", "is_open", "next_due"], name="caseindex_holder_open_due"),
            models.Index(fields=["is_open", "next_due"], name="caseindex_open_due"),
            models.Index(fields=["citizen", "-submitted_at"], name="caseindex_citizen_recent"),
            models.Index(fields=["submitted_at"], name="caseindex_submitted"),
            # No index on sweep_next here: the sweep's daily move of it would then be a new row version
            # with an entry in each of these indexes; unindexed it is a HOT update (fillfactor 90 leaves
            # the room, migration 0010). SweepAgenda is its index.
        ]
        constraints = [
            # No negative durations in 平均受理天数 / 平均答复天数 (cases/oversight/kpis.py).
            models.CheckConstraint(
                condition=Q(first_decided_at__isnull=True)
                | Q(first_received_at__isnull=True)
                | Q(first_decided_at__gte=F("first_received_at")),
                name="caseindex_decided_after_received",
            ),
            models.CheckConstraint(
                condition=Q(first_replied_at__isnull=True)
                | Q(first_accepted_at__isnull=True)
                | Q(first_replied_at__gte=F("first_accepted_at")),
                name="caseindex_replied_after_accepted",
            ),
        ]
        verbose_name = _("信访件索引")

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def masked_petitioner_name(self) -> str:
        """The name as lists show it (张某某, config.masking); a report keeps its placeholder."""
        from config.masking import mask_name

        if self.petition_type == PetitionType.REPORT:
            return self.petitioner_name
        return mask_name(self.petitioner_name)


class SweepAgenda(models.Model):
    """The open CaseIndex rows with a ``sweep_next``, by that day: what the daily sweep plans from.

    Kept by PostgreSQL, not Django: statement triggers on CaseIndex (migration 0010) insert, move and
    delete its rows from every write of the index (``_sync_index``, the sweep's bulk statements, a
    COPY, a test's ``objects.create``), so it cannot disagree with ``sweep_next``. A narrow table of its
    own so that moving ``sweep_next`` leaves CaseIndex's two dozen indexes alone (a HOT update there)
    and the dead index entries a sweep leaves are a few small pages here: the same-day re-run reads
    them, and autovacuum clears them soon after (per-table settings, same migration)."""

    index_id = models.BigIntegerField(primary_key=True)  # CaseIndex.id
    holder_id = models.BigIntegerField()
    sweep_next = models.DateField()

    class Meta:
        # The plan reads (holder_id, index_id) by day from this index alone (an index-only scan once
        # autovacuum has been by, which the table's settings make soon): no visit to the agenda's heap,
        # where a day's rows lie scattered over thousands of pages (migration 0011).
        indexes = [
            models.Index(fields=["sweep_next"], include=["holder_id", "index_id"], name="sweep_agenda_day")
        ]
        verbose_name = _("期限巡查日程")

    def __str__(self) -> str:
        return f"{self.index_id} {self.sweep_next}"


class ClockAlert(models.Model):
    """What the daily sweep did on one clock of one case: reminded before its last day, flagged it
    late, escalated it (催办/督办单) or closed the case. Unique per case, clock, last day and action:
    the sweep inserts and acts only on what was new, so a run redone has one effect."""

    class Action(models.TextChoices):
        REMINDED = "reminded", _("到期提醒")
        OVERDUE = "overdue", _("已超期")
        REMINDER = "reminder", _("催办")
        ORDER = "order", _("督办单")
        CLOSED = "closed", _("期满办结")

    case_uuid = models.UUIDField()
    holder = models.ForeignKey("tenants.Agency", on_delete=models.PROTECT, related_name="+")
    clock = models.CharField(max_length=30)
    due = models.DateField()
    action = models.CharField(max_length=10, choices=Action.choices)
    on = models.DateField()  # the sweep's day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case_uuid", "clock", "due", "action"], name="clock_alert_once")
        ]
        indexes = [models.Index(fields=["holder", "on"], name="clock_alert_holder_day")]
        verbose_name = _("期限预警")

    def __str__(self) -> str:
        return f"{self.case_uuid} {self.clock} {self.action}"


class TrackingSequence(models.Model):
    """The per-year counter behind tracking numbers (SMX-2026-000123)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ProtectedIdentity(models.Model):
    """The identity of a reporter (检举控告), kept out of every agency schema (arts. 30, 46)."""

    case_uuid = models.UUIDField(unique=True)
    reported_agency = models.CharField(max_length=20)
    encrypted = models.TextField()  # JSON of name, id number, phone, address, encrypted as one token
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.case_uuid)


class IdentityReadLog(models.Model):
    """Every read of a protected identity: who, where from, why, when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case_uuid = models.UUIDField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    agency_code = models.CharField(max_length=20)
    purpose = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.case_uuid} by {self.user_id}"


class ReporterDocument(models.Model):
    """The copy of a document addressed to a reporter (检举控告) that names them.

    The agency schema keeps the same document (same number) addressing a placeholder; this copy lives
    where the identity lives, in the public schema next to the vault, its file under a non-agency
    storage prefix, and is served to the owning citizen only (信访工作条例 arts. 30, 46).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case_uuid = models.UUIDField(db_index=True)
    document_id = models.UUIDField(unique=True)  # the agency schema's Document with the placeholder
    kind = models.CharField(max_length=40)
    number = models.CharField(max_length=60)
    storage_key = models.CharField(max_length=500)
    file_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.number} ({self.case_uuid})"


class StagedDocument(models.Model):
    """A generated document recorded by an action and waiting for its PDF (cases.services.documents).

    The action's transaction writes this row with the document; the render runs after commit, outside
    any row lock, and deletes the row when the PDF is stored. A row that stays says a render failed or
    never ran: the worker retries it with backoff and the beat sweep re-enqueues what is left
    (cases.tasks.render_staged_documents). It sits in the public schema so one query finds them all,
    and names only where the document is (no words of the case).
    """

    document_id = models.UUIDField(primary_key=True)
    case_uuid = models.UUIDField(db_index=True)
    schema_name = models.CharField(max_length=63)  # the issuing agency's schema, where it is rendered
    reporter_copy = models.BooleanField(default=False)  # also render the reporter's named copy
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    attempted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.document_id} ({self.schema_name}, {self.attempts} attempts)"
