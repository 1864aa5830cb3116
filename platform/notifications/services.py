"""Telling citizens what happened to their petitions, and staff what concerns their agency: an inbox
row, and an e-mail and an SMS by the person's choice, sent by the worker after commit and recorded
(Delivery) with how it went.

The messages name the agency that acted, never the person (the citizen deals with agencies).
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.masking import mask_personal_data, mask_phone
from notifications.models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Notification,
    VerifiedPhone,
)
from notifications.sms import SmsError, sms_backend, template_for

log = logging.getLogger(__name__)

# Event kinds the citizen hears about, with whether the citizen now has something to do.
_MESSAGES = {
    "submitted": (gettext_lazy("您的信访事项已提交"), False),
    "registered": (gettext_lazy("您的信访事项已登记"), False),
    "forwarded": (gettext_lazy("您的信访事项已转送有关单位办理"), False),
    "assigned": (gettext_lazy("您的信访事项已交办有关单位办理"), False),
    "not_accepted_by_bureau": (gettext_lazy("您的信访事项不予受理，请查看告知的法定途径"), False),
    "merged": (gettext_lazy("您的信访事项已与同一事项合并办理"), False),
    "accepted": (gettext_lazy("您的信访事项已受理"), False),
    "not_accepted": (gettext_lazy("您的信访事项不予受理"), False),
    "extension_approved": (gettext_lazy("您的信访事项办理期限已延长"), False),
    "replied": (gettext_lazy("您的信访事项已答复，请查看并评价"), True),
    "replied_directly": (gettext_lazy("您的信访事项已答复，请查看并评价"), True),
    "review_requested": (gettext_lazy("您的复查申请已收到"), False),
    "reviewed": (gettext_lazy("复查意见已出具，请查看"), True),
    "rereview_requested": (gettext_lazy("您的复核申请已收到"), False),
    "rereviewed": (gettext_lazy("复核意见已出具，信访事项终结"), False),
    "linked": (gettext_lazy("您的信访事项与正在办理的同一事项关联，请查看告知书"), False),
    "link_confirmed": (gettext_lazy("信访局已确认您的信访事项与原件为同一事项"), False),
    "link_undone": (gettext_lazy("信访局已撤销关联，您的信访事项将作为新的事项办理"), False),
    "final_not_accepted": (gettext_lazy("您的信访事项不再受理，请查看告知书"), False),
}


@dataclass(frozen=True)
class CaseSummary:
    """What a message says about a case: its tracking number, its title and the agency holding it."""

    tracking_number: str
    title: str
    holder_name: str
    # For the petitioner only: follow the case without signing in (the look-up page, its link).
    query_code: str = ""
    lookup_url: str = ""
    owner_id: int | None = None
    holder_name_en: str = ""  # the holder's English name, for a reader who asks for English


# How to summarise a case, installed by the cases app in its AppConfig.ready (cases.apps): the
# notifications sit below the cases and do not know where a case is kept.
_case_summaries: list[Callable[[uuid.UUID], CaseSummary | None]] = []


def install_case_summary(lookup: Callable[[uuid.UUID], CaseSummary | None]) -> None:
    """Tell the notifications how to summarise a case (``lookup(case_uuid)``; None when unknown)."""
    _case_summaries[:] = [lookup]


def _case_summary(case_uuid: uuid.UUID) -> CaseSummary | None:
    if not _case_summaries:
        raise ImproperlyConfigured("No case summary installed: the cases app installs it when it loads.")
    return _case_summaries[0](case_uuid)


def _case_event_message(*, case_uuid: uuid.UUID, citizen_id: int, event_kind: str) -> dict | None:
    """The worker's message for telling the citizen about ``event_kind`` (None: nothing to tell)."""
    if event_kind not in _MESSAGES:
        return None
    return {
        "case_uuid": str(case_uuid),
        "citizen_id": citizen_id,
        "event_kind": event_kind,
        "key": f"case:{case_uuid}:{event_kind}:{uuid.uuid4().hex}",
    }


def enqueue_case_event(*, case_uuid: uuid.UUID, citizen_id: int, event_kind: str) -> None:
    """Have the worker tell the citizen about ``event_kind``, once the current transaction commits.

    Nothing is enqueued for a transaction that rolls back. The key travels in the message, so a task
    redone after a lost worker writes the same inbox row and sends each message once."""
    enqueue_step(case_event={"case_uuid": case_uuid, "citizen_id": citizen_id, "event_kind": event_kind})


def enqueue_step(*, agency_notice: dict | None = None, case_event: dict | None = None) -> None:
    """One step of a case told to both sides in ONE message, after commit: the staff of the agency it
    arrives at (``agency_notice``: enqueue_agency_notice's arguments) and the citizen (``case_event``:
    enqueue_case_event's). A filing sends one message, not two; each part keeps its own key, so the
    message redone has one effect."""
    staff = _agency_notice_message(**agency_notice) if agency_notice else None
    citizen = _case_event_message(**case_event) if case_event else None
    if staff is None and citizen is None:
        return
    from notifications.tasks import deliver_step

    kwargs = {"staff": staff, "citizen": citizen}
    keys = " ".join(part["key"] for part in (staff, citizen) if part)
    transaction.on_commit(lambda: deliver_step.apply_async(kwargs=kwargs, kwargsrepr=keys))


def notify_case_event(
    *, case_uuid: uuid.UUID, citizen_id: int, event_kind: str, key: str | None = None
) -> Notification | None:
    """The inbox row and one delivery per channel the citizen chose; the deliveries are sent by
    the worker after commit. Called twice with the same ``key``, it writes and sends nothing new."""
    from accounts.models import User

    if event_kind not in _MESSAGES:
        return None
    user = User.objects.filter(pk=citizen_id, is_active=True).first()
    summary = _case_summary(case_uuid)
    if user is None or summary is None:
        return None
    subject_text, needs_action = _MESSAGES[event_kind]
    params = {
        "n": summary.tracking_number,
        # The citizen's own title, but e-mail leaves the hall: numbers in it go masked.
        "t": mask_personal_data(summary.title),
        "a": summary.holder_name,
        "a_en": summary.holder_name_en or summary.holder_name,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(subject_text)
        body = _citizen_body(params, subject)
    fields = {
        "user": user,
        "case_uuid": case_uuid,
        "tracking_number": summary.tracking_number,
        "kind": event_kind,
        "subject": subject,
        "body": body,
        "params": params,
        "needs_action": needs_action,
    }
    return _record_and_deliver(
        user=user,
        key=key,
        fields=fields,
        email_subject=f"[{summary.tracking_number}] {subject}",
        sms_params={"number": summary.tracking_number},
    )


# What staff hear about steps that concern their agency: subject and body, with the tracking number
# (n) and the title (t, its personal data masked: e-mail leaves the hall).
_STAFF_MESSAGES = {
    "case_arrived": (
        gettext_lazy("新信访件待办理：%(n)s"),
        gettext_lazy("信访件 %(n)s“%(t)s”已到达本单位，请登录工作台办理。"),
    ),
    "digest": (
        gettext_lazy("今日待办提醒（%(d)s）"),
        gettext_lazy(
            "本单位有 %(c)s 件信访事项即将到期或已逾期（其中逾期 %(o)s 件）：%(n)s。请登录工作台办理。"
        ),
    ),
    "report_returned": (
        gettext_lazy("办结报告被退回：%(n)s"),
        gettext_lazy("信访局退回了信访件 %(n)s“%(t)s”的办结报告，理由：%(r)s。请重新办理后报送。"),
    ),
    "report_submitted": (
        gettext_lazy("办结报告待审核：%(n)s"),
        gettext_lazy("交办的信访件 %(n)s“%(t)s”已报送办结报告，请登录工作台审核。"),
    ),
    "deadline_alert": (
        gettext_lazy("期限预警（%(d)s）"),
        gettext_lazy("本单位有 %(c)s 件信访事项即将到期、%(o)s 件已超期：%(n)s。请登录工作台办理。"),
    ),
    "supervision": (
        gettext_lazy("督办：%(n)s"),
        gettext_lazy("本单位收到%(k)s，涉及信访件 %(n)s，请于%(d)s前反馈。请登录工作台查看。"),
    ),
}


def _agency_notice_message(*, agency_id: int, kind: str, key: str, **values: str) -> dict:
    subject_text, body_text = _STAFF_MESSAGES[kind]
    with translation.override(settings.LANGUAGE_CODE):
        values = {**values, "t": mask_personal_data(values.get("t", ""))}
        subject, body = str(subject_text) % values, str(body_text) % values
    kwargs = {"agency_id": agency_id, "kind": kind, "subject": subject, "body": body, "key": key}
    if values:
        kwargs["params"] = values  # only when there are some: a worker of the previous release runs it too
    return kwargs


def enqueue_agency_notice(*, agency_id: int, kind: str, key: str, **values: str) -> None:
    """After commit, tell every member of the agency (inbox row and e-mail) about ``kind``.

    ``key`` names the step (a case event, a supervision item): one message per person and step."""
    from notifications.tasks import notify_agency_staff

    kwargs = _agency_notice_message(agency_id=agency_id, kind=kind, key=key, **values)
    # kwargsrepr: the key, not the subject and body, in the worker's log (titles are the citizens').
    transaction.on_commit(lambda: notify_agency_staff.apply_async(kwargs=kwargs, kwargsrepr=key))


def agency_member_ids(agency_id: int) -> list[int]:
    from accounts.models import Membership

    return sorted(set(Membership.objects.filter(agency_id=agency_id).values_list("user_id", flat=True)))


def notify_staff(
    *, user_ids: list[int], kind: str, subject: str, body: str, key: str, params: dict | None = None
) -> int:
    """Tell staff of an agency about a step that concerns it (inbox row and e-mail); returns how
    many were told. ``key`` names the step: one row per person and step, whatever the retries."""
    from accounts.models import User

    told = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        fields = {"user": user, "kind": kind, "subject": subject, "body": body, "params": params or {}}
        _record_and_deliver(
            user=user, key=f"{key}:{user.pk}", fields=fields, email_subject=subject, sms_params={}
        )
        told += 1
    return told


def _citizen_body(params: dict, subject: str) -> str:
    english = (translation.get_language() or "").startswith("en")
    return _("信访件 %(n)s“%(t)s”：%(s)s。当前办理单位：%(a)s。请登录网上信访大厅查看详情。") % {
        **params,
        "s": subject,
        "a": params.get("a_en") if english and params.get("a_en") else params.get("a", ""),
    }


# Full-width punctuation the hall itself puts between parameters (a digest's list of cases), shown to
# an English reader in ASCII. What people typed (a title) is never rewritten.
_ASCII_PUNCTUATION = str.maketrans({"；": "; ", "，": ", ", "、": ", ", "（": " (", "）": ")", "：": ": "})


def _staff_params(note: Notification) -> dict:
    values = dict(note.params)
    if (translation.get_language() or "").startswith("en"):
        for name in ("n", "d", "c", "o"):
            if name in values:
                values[name] = str(values[name]).translate(_ASCII_PUNCTUATION).strip()
    if "k" in values:
        values["k"] = _(values["k"])  # a supervision kind's label (催办, 督办单), the catalogue's msgid
    return values


def rendered_subject(note: Notification) -> str:
    """The inbox row's subject in the reader's language (its kind and params), else as stored."""
    if note.kind in _MESSAGES and note.params:
        return str(_MESSAGES[note.kind][0])
    if note.kind in _STAFF_MESSAGES and note.params:
        try:
            return str(_STAFF_MESSAGES[note.kind][0]) % _staff_params(note)
        except (KeyError, TypeError, ValueError):
            return note.subject
    return note.subject


def rendered_body(note: Notification) -> str:
    """The inbox row's text in the reader's language (its kind and params), else as stored."""
    try:
        if note.kind in _MESSAGES and note.params:
            return _citizen_body(note.params, str(_MESSAGES[note.kind][0]))
        if note.kind in _STAFF_MESSAGES and note.params:
            return str(_STAFF_MESSAGES[note.kind][1]) % _staff_params(note)
    except (KeyError, TypeError, ValueError):
        pass  # params of another shape (an older release): the words as they were written
    return note.body


def _record_and_deliver(
    *, user, key: str | None, fields: dict, email_subject: str, sms_params: dict[str, str]
) -> Notification:
    from notifications.tasks import send_delivery

    with transaction.atomic():
        if key is None:
            note = Notification.objects.create(**fields)
        else:
            note, _created = Notification.objects.get_or_create(idempotency_key=key, defaults=fields)
        deliveries = []
        for channel in chosen_channels(user):
            recipient = _recipient(user, channel)
            if not recipient:
                continue
            delivery, _created = Delivery.objects.get_or_create(
                idempotency_key=f"{note.pk}:{channel}",
                defaults={
                    "notification": note,
                    "user": user,
                    "channel": channel,
                    "recipient_masked": _masked(channel, recipient),
                    "template": template_for(note.kind) if channel == Channel.SMS else note.kind,
                    "params": sms_params if channel == Channel.SMS else {},
                    "subject": email_subject,
                    "body": note.body,
                },
            )
            deliveries.append(delivery)
        for delivery in deliveries:
            if delivery.status != DeliveryStatus.SENT:
                transaction.on_commit(partial(send_delivery.delay, str(delivery.pk)))
    return note


def _email_body(body: str, summary: CaseSummary, user) -> str:
    """The e-mail adds the query code and the look-up link to the inbox text, for the petitioner
    only: with them the case can be followed without signing in. The inbox row never stores the code
    (the index keeps it encrypted); the inbox page shows it from there."""
    if not summary.query_code or summary.owner_id != user.pk:
        return body
    with translation.override(settings.LANGUAGE_CODE):
        return (
            body
            + "\n\n"
            + _("信访件编号：%(n)s\n查询码：%(c)s\n不登录也可在查询页面输入编号和查询码查看办理进度：%(u)s")
            % {"n": summary.tracking_number, "c": summary.query_code, "u": summary.lookup_url}
        )


def query_codes(user, case_uuids) -> dict[uuid.UUID, str]:
    """The query codes of ``user``'s own cases among ``case_uuids`` (for the inbox page)."""
    codes = {}
    for case_uuid in set(case_uuids):
        summary = _case_summary(case_uuid) if case_uuid else None
        if summary is not None and summary.query_code and summary.owner_id == user.pk:
            codes[case_uuid] = summary.query_code
    return codes


def chosen_channels(user) -> list[str]:
    """The channels besides the inbox: e-mail unless turned off, SMS when asked for."""
    preference = ChannelPreference.objects.filter(user=user).first()
    if preference is None:
        return [Channel.EMAIL]
    return [
        channel for channel, on in ((Channel.EMAIL, preference.email), (Channel.SMS, preference.sms)) if on
    ]


def _recipient(user, channel: str) -> str:
    if channel == Channel.EMAIL:
        return user.email or ""
    phone = VerifiedPhone.objects.filter(user=user).first()
    return phone.phone if phone else ""


def _masked(channel: str, recipient: str) -> str:
    if channel == Channel.SMS:
        return mask_phone(recipient)
    name, _at, domain = recipient.partition("@")
    return f"{name[:1]}***@{domain}"


def attempt_delivery(*, delivery_id: uuid.UUID) -> str:
    """Send one delivery unless it was sent already; returns its status afterwards.

    The row is locked while sending, so two runs of the same task never send twice at once; a
    delivery once sent is never sent again."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status == DeliveryStatus.SENT:
            return DeliveryStatus.SENT
        recipient = _recipient(delivery.user, delivery.channel) if delivery.user else ""
        delivery.attempts += 1
        try:
            if not recipient:
                raise DeliveryError("the recipient no longer has this channel")
            if delivery.channel == Channel.SMS:
                sms_backend().send(phone=recipient, template=delivery.template, params=delivery.params)
            else:
                send_mail(delivery.subject, _email_text(delivery), None, [recipient])
        except (SmsError, DeliveryError, OSError) as error:
            log.warning("delivery %s (%s) failed: %s", delivery.pk, delivery.channel, error)
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = str(error)[:2000]
            delivery.save(update_fields=["status", "attempts", "last_error"])
            return DeliveryStatus.FAILED
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["status", "attempts", "last_error", "sent_at"])
        if delivery.channel == Channel.EMAIL and delivery.notification_id:
            Notification.objects.filter(pk=delivery.notification_id, emailed_at__isnull=True).update(
                emailed_at=delivery.sent_at
            )
    return DeliveryStatus.SENT


def _email_text(delivery: Delivery) -> str:
    """The e-mail as sent. To the petitioner the query code and the look-up link are added at send
    time (_email_body), so the code is never stored in a notification or delivery row, which the
    bureau's failed-deliveries page lists."""
    note = delivery.notification
    if note is None or not note.case_uuid or delivery.user is None:
        return delivery.body
    summary = _case_summary(note.case_uuid)
    return _email_body(delivery.body, summary, delivery.user) if summary is not None else delivery.body


class DeliveryError(Exception):
    """A delivery that cannot be made as it stands (no address any more)."""


def failed_deliveries():
    return Delivery.objects.filter(status=DeliveryStatus.FAILED).select_related("notification")


def resend_delivery(*, delivery_id: uuid.UUID) -> bool:
    """Staff send a failed delivery again (after commit, by the worker); False when it is not failed."""
    from notifications.tasks import send_delivery

    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status != DeliveryStatus.FAILED:
            return False
        delivery.status = DeliveryStatus.PENDING
        delivery.save(update_fields=["status"])
        transaction.on_commit(lambda: send_delivery.delay(str(delivery_id)))
    return True


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user, notification_id: uuid.UUID) -> bool:
    """Mark one of ``user``'s notifications read; False when it is not theirs or already read."""
    return bool(
        Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
