"""allauth adapters: how the hall stores MFA secrets, finds the client's address, counts failed
sign-ins, and who may sign in where."""

import hashlib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from accounts.surfaces import staff_sign_in_refusal
from config import net
from config.crypto import decrypt_text, encrypt_text
from config.errors import Forbidden
from config.surfaces import request_surface

_APP = "allauth.account"
# How long a successful sign-in or password reset makes an address "known" to the account.
KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600


class HallMFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are encrypted at rest with the same field key as
    citizens' ID numbers (allauth stores them in clear text by default)."""

    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email", credentials.get("username", ""))).strip().lower()


def _known_address_key(login: str, address: str) -> str:
    digest = hashlib.sha256(f"{login}|{address}".encode()).hexdigest()[:32]
    return f"hall:login-known-address:{digest}"


class HallAccountAdapter(DefaultAccountAdapter):
    """Failed sign-ins are counted so that nobody can lock someone else out (ACCOUNT_RATE_LIMITS):

    - ``login_failed`` per address (``ip``, 30 in 5 minutes): stops one address from trying many
      accounts, high enough that an office or a NAT shared by many citizens survives their typos;
    - ``login_failed`` per account *and* address (allauth's ``key``, made so below; 5 in 5 minutes):
      stops guessing one password from one place, and blocks only the guesser's address;
    - ``login_failed_account`` per account from anywhere (50 in an hour): caps guessing one password
      from many addresses. It would let those addresses lock the owner out, so it does not apply
      from an address where the account signed in, or reset its password, in the last 30 days: the
      owner's own devices keep working, and an owner on a new device resets the password (which also
      clears the account's counters) and signs in.

    A successful sign-in takes back its own attempt (allauth rolls back what it counted), so a
    correct password never adds to the counters.

    Staff are refused on the portal (accounts.surfaces): on the password form as a form error, on any
    other way in (e-mail confirmation, password reset) as a 403 page.
    """

    def is_open_for_signup(self, request) -> bool:
        # Citizens sign up on the portal; staff accounts are made by their agency's admin, so the
        # staff network (agency and oversight hosts) offers no sign-up at all (内外网物理隔离).
        if request is None or request_surface(request) != "portal":
            return False
        return super().is_open_for_signup(request)

    def get_client_ip(self, request) -> str:
        # The one reading of the client's address (config.net, HALL_TRUSTED_PROXY_COUNT), so allauth's
        # rate limits and the hall's audit records agree.
        ip = net.client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def _get_login_attempts_cache_key(self, request, **credentials: Any) -> str:
        # allauth's per-"key" login_failed rate is per account; adding the address makes it per
        # (account, address), so failures from one address never block the account elsewhere.
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}|{net.rate_limit_address(request)}"

    def _account_key(self, request, **credentials: Any) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def _is_known_address(self, request, login: str) -> bool:
        return (
            bool(login) and cache.get(_known_address_key(login, net.rate_limit_address(request))) is not None
        )

    def _remember_address(self, request, login: str) -> None:
        if login:
            cache.set(_known_address_key(login, net.rate_limit_address(request)), 1, KNOWN_ADDRESS_SECONDS)

    def pre_authenticate(self, request, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)  # per address; per (account, address)
        self._account_rl_usage = None
        if self._is_known_address(request, _login_of(credentials)):
            return
        self._account_rl_usage = ratelimit.consume(
            request, app=_APP, action="login_failed_account", key=self._account_key(request, **credentials)
        )
        if not self._account_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request, **credentials: Any):
        user = super().authenticate(request, **credentials)
        if user is not None:
            refusal = staff_sign_in_refusal(request, user)
            if refusal is not None:
                raise forms.ValidationError(refusal, code="staff_on_portal")
            usage = getattr(self, "_account_rl_usage", None)
            if usage:
                usage.rollback()
            self._remember_address(request, _login_of(credentials))
        return user

    def _delete_login_attempts_cached_email(self, request, **credentials: Any) -> None:
        """After a successful password reset (allauth calls this for each of the account's addresses):
        clear the account's own counters and make this address known. allauth's version also clears
        the per-address counter, which would let anyone reset their own password to wipe their
        address's count of failures against other accounts."""
        for action, key in (
            ("login_failed", self._get_login_attempts_cache_key(request, **credentials)),
            ("login_failed_account", self._account_key(request, **credentials)),
        ):
            for rate in ratelimit.get_rates(app=_APP, action=action):
                if rate.per == "key":
                    cache.delete(
                        ratelimit.get_cache_key(request, app=_APP, action=action, rate=rate, key=key)
                    )
        self._remember_address(request, _login_of(credentials))

    def pre_login(self, request, user, **kwargs):
        refusal = staff_sign_in_refusal(request, user)
        if refusal is not None:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            raise Forbidden(refusal, code="staff_on_portal")
        return super().pre_login(request, user, **kwargs)
