"""Delivery (送达): when each written reply, opinion and notice reached the petitioner, and the windows
that run from it (信访工作条例 arts. 35-36: 自收到之日起).

Online, an answer is received when the petitioner first opens it on the portal, or at the end of the
online service period after its publication, whichever is first; on paper, on the day staff enter.
The rules (who counts, the period, which is first) are the procedure's (cases.procedure).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from cases import clocks, procedure
from cases.index.models import CaseIndex
from cases.models import Case, CaseState, DeliveryMethod, Document, EventKind
from cases.procedure import check
from cases.services.core import Actor, _append_event, _locked, _sync_index
from config import clock
from config.compiled import update
from config.errors import HallError

# The documents addressed to the petitioner, whose delivery is recorded (the reporter's named copies are
# these kinds too: cases.services.documents.REPORTER_ADDRESSED_KINDS).
ADDRESSED_KINDS = frozenset(
    {
        "forward_notice",
        "acceptance_notice",
        "non_acceptance_notice",
        "extension_notice",
        "handling_opinion",
        "review_opinion",
        "rereview_opinion",
        "not_accepted_by_bureau",
        "repeat_notice",
        "final_notice",
    }
)
# Which answer's delivery starts which window (arts. 35-36).
_ANSWERS = {
    "handling_opinion": (
        "reply_delivered_on",
        CaseState.REPLIED,
        "review_request_due",
        clocks.review_request_due,
    ),
    "review_opinion": (
        "review_delivered_on",
        CaseState.REVIEWED,
        "rereview_request_due",
        clocks.rereview_request_due,
    ),
}


def has_portal_account(case_uuid: uuid.UUID) -> bool:
    return CaseIndex.objects.filter(case_uuid=case_uuid, citizen__isnull=False).exists()


def service_due_for(case: Case, published: datetime) -> date | None:
    """The end of the online service period for an answer published now; None without an account."""
    if not has_portal_account(case.pk):
        return None
    return clocks.service_due(published, procedure.online_service_days())


def start_answer_window(case: Case, *, answer: str, published: datetime) -> None:
    """On a reply (``handling_opinion``) or a review opinion: its window runs from its delivery, which
    is at the latest the end of the online service period; on paper, from the day staff enter."""
    served = service_due_for(case, published)
    delivered_field, _state, due_field, due_from = _ANSWERS[answer]
    setattr(case, delivered_field, None)
    setattr(case, delivered_field.replace("delivered_on", "service_due"), served)
    setattr(case, due_field, due_from(served) if served else None)


def _deliver(case: Case, documents: list[Document], *, on_day: date, method: str) -> list[str]:
    """Stamp the documents delivered (a signed scan and the generated original alike) and move the
    window of an answer that had not been delivered before. Returns the numbers delivered."""
    numbers = []
    for document in documents:
        served = document.service_due
        day, how = (
            (served, DeliveryMethod.DEEMED) if served is not None and served < on_day else (on_day, method)
        )
        Document.objects.filter(case=case, number=document.number, delivered_on__isnull=True).update(
            delivered_on=day, delivery_method=how
        )
        numbers.append(f"{document.number}（{day.isoformat()}）")
        answer = _ANSWERS.get(document.kind)
        if answer is None:
            continue
        delivered_field, state, due_field, due_from = answer
        if getattr(case, delivered_field) is None:
            setattr(case, delivered_field, day)
            if case.state == state:
                _shorten(case, due_field, due_from(day))
    return numbers


def _shorten(case: Case, due_field: str, due: date) -> None:
    """Delivery moves a window only earlier: it ran at the latest from the end of the service period."""
    before = getattr(case, due_field)
    setattr(case, due_field, min(before, due) if before is not None else due)


def _undelivered(case: Case, *, up_to: date | None = None) -> list[Document]:
    rows = Document.objects.filter(
        case=case,
        kind__in=ADDRESSED_KINDS,
        visible_to_citizen=True,
        superseded=False,
        delivered_on__isnull=True,
    ).order_by("created_at")
    documents = list(rows)
    if up_to is not None:
        documents = [d for d in documents if timezone.localdate(d.created_at) <= up_to]
    return documents


def record_portal_view(*, case_uuid: uuid.UUID, actor: Actor, index: CaseIndex | None = None) -> int:
    """The petitioner opened the petition on the portal: what was published to them is delivered
    today (or on its service day, if that came first). Staff, another citizen or the system opening it
    deliver nothing. Returns how many documents were delivered now; cheap when there are none.

    ``index``: the page's own read of the case's index row (with its holder), for the unlocked check
    whether anything waits; what is delivered is decided again under the case's lock."""
    if index is None or index.case_uuid != case_uuid:
        index = CaseIndex.objects.filter(case_uuid=case_uuid).select_related("holder").first()
    if index is None or not procedure.counts_as_delivery(actor, index):
        return 0
    with schema_context(index.holder.schema_name):
        pending = Document.objects.filter(
            case_id=case_uuid,
            kind__in=ADDRESSED_KINDS,
            visible_to_citizen=True,
            superseded=False,
            delivered_on__isnull=True,
        ).exists()
    if not pending:
        return 0
    with _locked(case_uuid) as (index, case):
        if not procedure.counts_as_delivery(actor, index):
            return 0
        documents = _undelivered(case)
        if not documents:
            return 0
        numbers = _deliver(case, documents, on_day=clock.today(), method=DeliveryMethod.PORTAL)
        update(case)  # Django's UPDATE of the whole row, compiled once
        _append_event(
            case,
            EventKind.DELIVERED,
            actor,
            agency_code=index.holder.code,
            changes={"method": DeliveryMethod.PORTAL, "documents": numbers},
            message=str(_("信访人已在网上查阅文书%(count)s份，已送达。") % {"count": len(numbers)}),
        )
        _sync_index(index, case, index.holder)
        return len(numbers)


def record_delivery(*, case_uuid: uuid.UUID, actor: Actor, delivered_on: date) -> None:
    """纸质送达: staff enter the day the reply or opinion (and what was sent with it) reached the
    petitioner; the review or re-review window runs from that day (arts. 35-36)."""
    with _locked(case_uuid) as (index, case):
        check("record_delivery", actor, index, case)
        issued = case.replied_at if case.state == CaseState.REPLIED else case.reviewed_at
        today = clock.today()
        if delivered_on > today or (issued is not None and delivered_on < timezone.localdate(issued)):
            message = _("送达日期须在文书出具之日和今天之间。")
            raise HallError(message, code="invalid_delivery_date", fields={"delivered_on": message})
        numbers = _deliver(case, _undelivered(case, up_to=delivered_on), on_day=delivered_on, method="paper")
        # The answer itself is delivered even when its document was replaced or withheld.
        delivered_field = procedure.ANSWER_DELIVERY[case.state][0]
        if getattr(case, delivered_field) is None:
            setattr(case, delivered_field, delivered_on)
            due_field, due_from = _ANSWERS[
                "handling_opinion" if case.state == CaseState.REPLIED else "review_opinion"
            ][2:]
            _shorten(case, due_field, due_from(delivered_on))
        update(case)  # Django's UPDATE of the whole row, compiled once
        _append_event(
            case,
            EventKind.DELIVERED,
            actor,
            agency_code=index.holder.code,
            changes={"method": DeliveryMethod.PAPER, "delivered_on": delivered_on, "documents": numbers},
            message=str(_("文书已纸质送达信访人，送达日期 %(day)s。") % {"day": delivered_on.isoformat()}),
        )
        _sync_index(index, case, index.holder)


def effective_delivery(document: Document, today: date | None = None) -> tuple[date | None, str]:
    """The day a document reached the petitioner as far as known today, and how ("" while not)."""
    if document.delivered_on is not None:
        return document.delivered_on, document.delivery_method
    today = today or clock.today()
    if document.service_due is not None and document.service_due <= today:
        return document.service_due, DeliveryMethod.DEEMED
    return None, ""
