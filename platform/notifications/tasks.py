"""The worker's side of the notifications: writing the inbox row and its deliveries, and sending each.

Every task is acknowledged late and idempotent (the keys in notifications.services), so a message
redone after a lost worker has one effect. A failed delivery is retried with exponential backoff,
then waits in the staff's list of failed deliveries (notifications.views.failed_deliveries).
"""

import uuid

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from notifications import services
from notifications.models import DeliveryStatus
from notifications.sms import SmsError, sms_backend, template_for

# A database that is briefly away (a restart, a failover) is retried like a gateway outage.
_TRANSIENT = (DatabaseError,)
# Every delivery task: acknowledged after it ran (a worker lost mid-task leaves it to be redone) and
# retried with backoff; each is idempotent by its key, so running twice has one effect.
RELIABLE = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": _TRANSIENT,
    "retry_backoff": True,
    "max_retries": 5,
}


def _case_event(*, case_uuid: str, citizen_id: int, event_kind: str, key: str) -> str | None:
    note = services.notify_case_event(
        case_uuid=uuid.UUID(case_uuid), citizen_id=citizen_id, event_kind=event_kind, key=key
    )
    return str(note.pk) if note else None


def _agency_staff(
    *, agency_id: int, kind: str, subject: str, body: str, key: str, params: dict | None = None
) -> int:
    return services.notify_staff(
        user_ids=services.agency_member_ids(agency_id),
        kind=kind,
        subject=subject,
        body=body,
        key=key,
        params=params,
    )


# Messages enqueued before deliver_step (a worker drains what the previous release queued).
@shared_task(name="notifications.deliver_case_event", **RELIABLE)
def deliver_case_event(self, *, case_uuid: str, citizen_id: int, event_kind: str, key: str) -> str | None:
    return _case_event(case_uuid=case_uuid, citizen_id=citizen_id, event_kind=event_kind, key=key)


@shared_task(name="notifications.deliver_step", **RELIABLE)
def deliver_step(self, *, staff: dict | None = None, citizen: dict | None = None) -> dict:
    """One case step for the agency's staff and the citizen (notifications.services.enqueue_step).
    Redone after a failure, the part already done has no second effect (each part's key)."""
    return {
        "staff": _agency_staff(**staff) if staff else 0,
        "citizen": _case_event(**citizen) if citizen else None,
    }


@shared_task(name="notifications.notify_staff", **RELIABLE)
def notify_staff(self, *, user_ids: list[int], kind: str, subject: str, body: str, key: str) -> int:
    return services.notify_staff(user_ids=user_ids, kind=kind, subject=subject, body=body, key=key)


@shared_task(name="notifications.notify_agency_staff", **RELIABLE)
def notify_agency_staff(
    self, *, agency_id: int, kind: str, subject: str, body: str, key: str, params: dict | None = None
) -> int:
    return _agency_staff(agency_id=agency_id, kind=kind, subject=subject, body=body, key=key, params=params)


@shared_task(name="notifications.send_delivery", **RELIABLE)
def send_delivery(self, delivery_id: str) -> str:
    status = services.attempt_delivery(delivery_id=uuid.UUID(delivery_id))
    # Inline (eager) runs do not wait and retry: the failure is recorded and listed for staff.
    if status == DeliveryStatus.FAILED and not self.request.is_eager:
        retries = self.request.retries
        if retries < settings.HALL_DELIVERY_MAX_RETRIES:
            raise self.retry(
                countdown=settings.HALL_DELIVERY_RETRY_BASE_SECONDS * 2**retries,
                max_retries=settings.HALL_DELIVERY_MAX_RETRIES,
            )
    return status


@shared_task(
    bind=True,
    name="notifications.send_sms_code",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SmsError,),
    retry_backoff=2,
    max_retries=3,
)
def send_sms_code(self, *, phone: str, kind: str, params: dict[str, str], key: str) -> str:
    """A sign-in or verification code: sent once per code, retried briefly, not recorded as a
    Delivery (the code must not sit in a table staff can read)."""
    from django.db import transaction
    from django.utils import timezone

    from notifications.models import PhoneCode

    code_id = key.removeprefix("phone-code:")
    with transaction.atomic():
        # The code's row, locked, says whether it went out already: a redone task sends nothing.
        row = PhoneCode.objects.select_for_update().filter(pk=code_id).first()
        if row is None or row.sent_at is not None:
            return "sent"
        # The template id is the worker's setting (HALL_SMS_TEMPLATES), where the gateway is set up.
        sms_backend().send(phone=phone, template=template_for(kind), params=params)
        row.sent_at = timezone.now()
        row.save(update_fields=["sent_at"])
    return "sent"
