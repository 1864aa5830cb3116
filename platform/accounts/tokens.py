"""API tokens for apps and systems: issued once, stored as a digest, scoped, revocable, expiring.

A citizen makes personal tokens on the portal's profile pages; an agency's administrator makes its
tokens in the workspace settings, after confirming the second factor again (``recent_second_factor``).
The API's authentication class (api.authentication) looks a presented token up with ``token_for``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Membership, TokenScope, User
from config import clock
from config.errors import HallError

TOKEN_PREFIX = "ph_"  # noqa: S105 (the marker every token starts with, not a secret)
# last_used_at is written at most this often per token: a token used ten times a second must not
# cost ten writes a second.
LAST_USED_GRANULARITY = timedelta(seconds=60)
# How recently the staff member must have passed the second factor to make a token.
SECOND_FACTOR_MAX_AGE_SECONDS = 300
CITIZEN_SCOPES = frozenset({TokenScope.READ, TokenScope.ACT})


def digest_of(raw: str) -> str:
    # The token has 256 random bits: a plain SHA-256 is enough (no password-style stretching needed).
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_raw() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _clean(*, name: str, scopes, expires_at: datetime | None, allowed: frozenset[str]) -> list[str]:
    name = (name or "").strip()
    problems: dict[str, list[str]] = {}
    if not name or len(name) > 80:
        problems["name"] = [str(_("请填写令牌名称（80 字以内）。"))]
    chosen = sorted(set(scopes or ()))
    if not chosen or not set(chosen) <= allowed:
        problems["scopes"] = [str(_("请选择令牌的权限。"))]
    if expires_at is not None and expires_at <= clock.now():
        problems["expires_at"] = [str(_("有效期必须晚于现在。"))]
    if problems:
        raise HallError(_("令牌信息有误，请修改后重试。"), code="invalid_token_request", fields=problems)
    return chosen


def issue_citizen_token(
    *, user: User, name: str, scopes, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A personal token for the citizen's own apps (portal only). Returns the row and the token,
    which is never shown again."""
    chosen = _clean(name=name, scopes=scopes, expires_at=expires_at, allowed=CITIZEN_SCOPES)
    raw = _new_raw()
    token = ApiToken.objects.create(
        user=user,
        agency=None,
        name=name.strip(),
        scopes=chosen,
        prefix=raw[:10],
        digest=digest_of(raw),
        created_by=user,
        expires_at=expires_at,
    )
    return token, raw


def agency_scopes(agency) -> frozenset[str]:
    base = frozenset({TokenScope.READ, TokenScope.ACT})
    return base | {TokenScope.OVERSIGHT} if agency.kind == "oversight" else base


def issue_agency_token(
    *, acting_user: User, agency, member: User, name: str, scopes, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A token for one of the agency's systems, acting as ``member`` (who must belong to the agency).
    Only the agency's administrators make them; the view checks the second factor first."""
    if not Membership.objects.filter(user=acting_user, agency=agency, role="admin").exists():
        raise HallError(_("只有本单位的管理员可以创建接口令牌。"), code="forbidden", status=403)
    if not Membership.objects.filter(user=member, agency=agency).exists():
        raise HallError(_("令牌代表的人员必须是本单位的工作人员。"), code="token_member_not_staff")
    chosen = _clean(name=name, scopes=scopes, expires_at=expires_at, allowed=agency_scopes(agency))
    raw = _new_raw()
    token = ApiToken.objects.create(
        user=member,
        agency=agency,
        name=name.strip(),
        scopes=chosen,
        prefix=raw[:10],
        digest=digest_of(raw),
        created_by=acting_user,
        expires_at=expires_at,
    )
    return token, raw


def revoke_token(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())


def citizen_tokens(user: User):
    return ApiToken.objects.filter(user=user, agency__isnull=True).order_by("-created_at")


def agency_tokens(agency):
    return ApiToken.objects.filter(agency=agency).select_related("user").order_by("-created_at")


def citizen_token(user: User, token_uuid) -> ApiToken | None:
    """One of the citizen's own tokens (None for anyone else's: not found, never forbidden)."""
    return citizen_tokens(user).filter(uuid=token_uuid).first()


def agency_token(agency, token_uuid) -> ApiToken | None:
    return agency_tokens(agency).filter(uuid=token_uuid).first()


class TokenRefused(HallError):
    code = "invalid_token"
    status = 401


def token_for(raw: str) -> ApiToken:
    """The live token ``raw`` names, or TokenRefused (unknown, revoked, expired). Records its use."""
    token = (
        ApiToken.objects.select_related("user", "agency").filter(digest=digest_of(raw.strip())).first()
        if raw.startswith(TOKEN_PREFIX)
        else None
    )
    if token is None or token.revoked_at is not None or not token.user.is_active:
        raise TokenRefused(_("接口令牌无效或已被吊销。"))
    now = clock.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused(_("接口令牌已过期。"), code="token_expired")
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
    ).update(last_used_at=now)
    return token


def recent_second_factor(request, *, max_age: int = SECOND_FACTOR_MAX_AGE_SECONDS) -> bool:
    """True when the signed-in user passed allauth's MFA step (sign-in or re-authentication) in this
    session within ``max_age`` seconds."""
    from allauth.account.internal.flows.login import get_authentication_records

    cutoff = time.time() - max_age
    return any(
        record.get("method") == "mfa" and float(record.get("at", 0)) >= cutoff
        for record in get_authentication_records(request, request.user)
    )
