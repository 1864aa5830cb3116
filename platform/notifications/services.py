"""Telling citizens what happened to their petitions: an inbox row and an e-mail, after commit.

The messages name the agency that acted, never the person (the citizen deals with agencies).
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.masking import mask_personal_data
from notifications.models import Notification

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


def notify_case_event(*, case_uuid: uuid.UUID, citizen_id: int, event_kind: str) -> Notification | None:
    from accounts.models import User

    if event_kind not in _MESSAGES:
        return None
    user = User.objects.filter(pk=citizen_id, is_active=True).first()
    summary = _case_summary(case_uuid)
    if user is None or summary is None:
        return None
    subject_text, needs_action = _MESSAGES[event_kind]
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(subject_text)
        body = _("信访件 %(n)s“%(t)s”：%(s)s。当前办理单位：%(a)s。请登录网上信访大厅查看详情。") % {
            "n": summary.tracking_number,
            # The citizen's own title, but e-mail leaves the hall: numbers in it go masked.
            "t": mask_personal_data(summary.title),
            "s": subject,
            "a": summary.holder_name,
        }
    note = Notification.objects.create(
        user=user,
        case_uuid=case_uuid,
        tracking_number=summary.tracking_number,
        kind=event_kind,
        subject=subject,
        body=body,
        needs_action=needs_action,
    )
    if user.email:
        try:
            send_mail(
                f"[{summary.tracking_number}] {subject}", _email_body(body, summary, user), None, [user.email]
            )
        except OSError:
            # The inbox row is the record; a mail server outage must not lose it.
            log.exception("could not e-mail %s about %s", user.pk, summary.tracking_number)
        else:
            note.emailed_at = timezone.now()
            note.save(update_fields=["emailed_at"])
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
