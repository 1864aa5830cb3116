"""What the receipt and the petition page tell the citizen beyond the case's fields: the look-up link
and its QR code, and why a report (检举控告) is handled by another body than the one chosen."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cases.models import PetitionType
from tenants.models import reported_unit_codes


def lookup_link(request, tracking_number: str) -> str:
    """The look-up page with the tracking number filled in, on the host the citizen uses. The query
    code stays out of the link (links end up in logs and histories); it is printed beside it."""
    path = f"{reverse('portal:lookup')}?{urlencode({'n': tracking_number})}"
    return request.build_absolute_uri(path)


def qr_svg(payload: str) -> SafeString:
    """``payload`` as an inline SVG QR code (no inline script or style: the CSP allows it)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    # Made here from our own payload by the qrcode library: markup we wrote, not user input.
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-hidden="true" class="qr-code" ', 1))  # noqa: S308


def report_routing_notice(case, *, filed_with_name: str, handled_by_name: str) -> str:
    """Why a report is handled elsewhere than the unit the citizen chose; "" when it is not."""
    if case.petition_type != PetitionType.REPORT or not case.reported_agency:
        return ""
    # 信访工作条例 art. 46: a report never goes to the unit (or the person) it is against. Filed with
    # that unit it goes to the bureau; against the bureau, to the discipline body (see
    # cases.services._report_holder).
    if case.filed_with not in reported_unit_codes(case.reported_agency):
        return ""
    return _(
        "您选择向%(filed)s提出检举控告，被检举的正是该单位。根据《信访工作条例》第四十六条，"
        "检举控告不得交由被检举单位办理，因此已依法改由%(holder)s办理。"
        "您的身份信息和材料不会向被检举单位透露。"
    ) % {"filed": filed_with_name, "holder": handled_by_name}
