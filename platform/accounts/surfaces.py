"""Who may sign in on which surface (内外网物理隔离): staff never sign in through the portal.

The portal faces the internet; staff work on the intranet workspaces only. An account that holds a
role in any agency is refused on the portal host, whichever way it signs in, before any second
factor is asked for.
"""

from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from config.surfaces import request_surface

STAFF_ON_PORTAL_MESSAGE = _(
    "工作人员账号不能在互联网门户登录。请在单位内网打开本单位的工作台登录；"
    "如需以群众身份提出信访，请另行注册群众账号。"
)


def staff_sign_in_refusal(request, user):
    """The message refusing ``user``'s sign-in on this request's surface, or None if allowed."""
    if request is None or request_surface(request) != "portal":
        return None
    if Membership.objects.filter(user=user).exists():
        return STAFF_ON_PORTAL_MESSAGE
    return None
