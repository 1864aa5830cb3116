"""Who may see which case: the one place views, APIs, exports and tasks ask.

Staff see a case only while their agency holds it (or held it: the stub it keeps after forwarding);
a citizen sees only their own petitions. Anything else is "not found", never "forbidden", so a
probing visitor learns nothing about which tracking numbers exist.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from cases.index.models import CaseIndex, ProtectedIdentity
from cases.models import Case, CaseState
from config.errors import NotFound
from tenants.models import Agency, reported_unit_codes


@dataclass(frozen=True)
class CaseView:
    """A case as read from one schema, with its public index row."""

    index: CaseIndex
    case: Case
    schema_agency: Agency  # the schema it was read from
    is_holder: bool  # False for the stub an agency keeps after forwarding


def _load(index: CaseIndex, agency: Agency) -> Case | None:
    with schema_context(agency.schema_name):
        # Evaluated inside the context: a lazy queryset would run in the wrong schema later.
        return Case.objects.filter(pk=index.case_uuid).first()


def _index(case_uuid) -> CaseIndex:
    try:
        return CaseIndex.objects.select_related("holder", "filed_with").get(case_uuid=case_uuid)
    except (CaseIndex.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("找不到该信访件。")) from None


def case_for_agency(agency: Agency, case_uuid) -> CaseView:
    """The case as ``agency`` may see it: the full record if it holds it, its stub if it held it."""
    index = _index(case_uuid)
    case = _load(index, agency)
    if case is None:
        raise NotFound(_("找不到该信访件。"))
    is_holder = index.holder_id == agency.pk and case.state != CaseState.TRANSFERRED
    return CaseView(index, case, agency, is_holder)


def case_for_citizen(user, case_uuid) -> CaseView:
    index = _index(case_uuid)
    if not user.is_authenticated or index.citizen_id != user.pk:
        raise NotFound(_("找不到该信访件。"))
    case = _load(index, index.holder)
    if case is None:
        raise NotFound(_("找不到该信访件。"))
    return CaseView(index, case, index.holder, True)


def case_by_query_code(tracking_number: str, query_code: str) -> CaseView:
    """Look-up by tracking number and query code (no login): both must match."""
    import hmac

    from config.crypto import decrypt_text

    index = (
        CaseIndex.objects.select_related("holder")
        .filter(tracking_number=tracking_number.strip().upper())
        .first()
    )
    if index is None or not hmac.compare_digest(
        decrypt_text(index.query_code_encrypted), query_code.strip().upper()
    ):
        raise NotFound(_("编号或查询码不正确。"))
    case = _load(index, index.holder)
    if case is None:
        raise NotFound(_("编号或查询码不正确。"))
    return CaseView(index, case, index.holder, True)


def reports_against(agency: Agency) -> QuerySet:
    """The case uuids of reports (检举控告) naming ``agency``'s unit: neither it nor anything belonging
    to it may read them (信访工作条例 arts. 30, 46). For 信访局督查室 that is every report against the
    bureau, which the discipline body (纪检监察机关) handles."""
    return ProtectedIdentity.objects.filter(reported_agency__in=reported_unit_codes(agency.code)).values(
        "case_uuid"
    )


def case_for_oversight(case_uuid, *, viewer: Agency) -> CaseView:
    """Read-only, from the holder's schema, for ``viewer`` (the oversight office, or the bureau looking at
    the current record of a case it routed). Callers log the read (oversight reads are audited).

    A report against the viewer's own unit is not found (arts. 30, 46)."""
    index = _index(case_uuid)
    if index.petition_type == "report" and reports_against(viewer).filter(case_uuid=index.case_uuid).exists():
        raise NotFound(_("找不到该信访件。"))
    case = _load(index, index.holder)
    if case is None:
        raise NotFound(_("找不到该信访件。"))
    return CaseView(index, case, index.holder, True)
