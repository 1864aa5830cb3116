"""The agency's API tokens, in the workspace settings: made by an administrator for the agency's
systems, each acting as a named member with the scopes chosen, revocable, expiring if wished.

Making one needs the second factor again (allauth's MFA re-authentication, within the last five
minutes): a token outlives the session, so a stolen session alone must not be able to mint one.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import tokens
from accounts.access import staff_required
from accounts.forms import ApiTokenForm
from accounts.models import Membership, TokenScope, User
from config.errors import HallError
from config.hall_request import HallRequest
from tenants.models import Agency


def _members(agency: Agency) -> list[User]:
    ids = Membership.objects.filter(agency=agency).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("email"))


def _form(agency: Agency, data=None) -> ApiTokenForm:
    allowed = tokens.agency_scopes(agency)
    choices = [(scope.value, scope.label) for scope in TokenScope if scope in allowed]
    return ApiTokenForm(data, scopes=choices, members=_members(agency), initial={"scopes": [TokenScope.READ]})


def _page(request: HallRequest[Agency], *, form=None, new_token: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "workspace/api_tokens.html",
        {
            "tokens": list(tokens.agency_tokens(request.tenant)),
            "form": form or _form(request.tenant),
            "new_token": new_token,
            "second_factor_fresh": tokens.recent_second_factor(request),
        },
        status=status,
    )


@staff_required("admin")
def token_list(request: HallRequest[Agency]) -> HttpResponse:
    return _page(request)


@staff_required("admin")
@require_POST
def token_create(request: HallRequest[Agency]) -> HttpResponse:
    if not tokens.recent_second_factor(request):
        # allauth asks for the authenticator code, then sends the admin back to the list to submit again.
        return redirect(
            f"{reverse('mfa_reauthenticate')}?{urlencode({'next': reverse('workspace:api_tokens')})}"
        )
    form = _form(request.tenant, request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    member = next(user for user in _members(request.tenant) if str(user.uuid) == form.cleaned_data["member"])
    try:
        _, raw = tokens.issue_agency_token(
            acting_user=request.user,
            agency=request.tenant,
            member=member,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data["expires_at"],
        )
    except HallError as exc:
        for field, problems in exc.details.get("fields", {}).items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        if not exc.details.get("fields"):
            form.add_error(None, str(exc))
        return _page(request, form=form, status=exc.status)
    return _page(request, new_token=raw)


@staff_required("admin")
@require_POST
def token_revoke(request: HallRequest[Agency], token_id) -> HttpResponse:
    token = tokens.agency_token(request.tenant, token_id)  # another agency's token is not found
    if token is None:
        raise Http404
    tokens.revoke_token(token=token)
    messages.success(request, _("令牌已吊销。"))
    return redirect("workspace:api_tokens")
