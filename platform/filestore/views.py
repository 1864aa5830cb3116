"""``/files/<token>``: the download behind a local-storage link from filestore.services.download_url.

The signed token is the whole authorisation (callers checked access when they minted it), so the view
needs no login. It works only on the host it was minted for (filestore.services.link_scope): a
workspace's link is refused on the portal and by a portal-only process, a citizen's on a workspace.
It always answers with an attachment, never inline, with the type derived from the content
(filestore.validation.served_file) and ``nosniff``, so an uploaded file cannot render as a page of
the hall.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from filestore.services import SIGNING_SALT, attachment_disposition, link_scope
from filestore.validation import served_file


def _invalid(request, *, status: int, heading: str, explanation: str):
    response = render(
        request,
        "filestore/link_invalid.html",
        {"heading": heading, "explanation": explanation},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def download(request, token: str):
    signer = TimestampSigner(salt=SIGNING_SALT)
    try:
        payload = signer.unsign_object(token)
        key, filename, max_age = payload["k"], payload["f"], int(payload["e"])
        signer.unsign_object(token, max_age=max_age)
        scope = {"t": payload["t"], "s": payload["s"]}
    except SignatureExpired:
        return _invalid(
            request,
            status=410,
            heading=_("下载链接已过期"),
            explanation=_("为保护信访材料，下载链接只在短时间内有效。请回到原页面重新点击下载。"),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return _invalid(
            request,
            status=404,
            heading=_("下载链接无效"),
            explanation=_("链接不完整或已被改动。请回到原页面重新点击下载。"),
        )
    surfaces = settings.HALL_SURFACES
    if scope != link_scope(request.tenant.schema_name) or surfaces not in ("all", scope["s"]):
        # Minted on another host or surface (内外网物理隔离): a workspace link shown on the portal.
        return _invalid(
            request,
            status=404,
            heading=_("下载链接无效"),
            explanation=_("该下载链接不能在本站点使用。请在打开原页面的站点上重新点击下载。"),
        )
    try:
        handle = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError):
        return _invalid(
            request,
            status=404,
            heading=_("文件不存在"),
            explanation=_("该文件已不在存储中。如需此文件，请联系办理机关。"),
        )
    # The type and the name's extension follow the stored key (derived from the content), never the
    # name: an upload called "img.html" is served as the image/jpeg "img.jpg" it is.
    served = served_file(key, filename=filename)
    response = FileResponse(handle, content_type=served.content_type)
    response["Content-Disposition"] = attachment_disposition(served.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
