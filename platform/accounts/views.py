"""Account pages on the portal that allauth does not provide: the real-name profile."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import ApiTokenForm, ProfileForm
from accounts.queries import profile_for
from accounts.services import IdNumberTaken, InvalidProfile, TooManyIdNumbers, save_profile
from config import net
from config.errors import HallError


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
def profile(request):
    current = profile_for(request.user)
    next_url = _safe_next(request)
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST, has_id_number=current is not None)
        if form.is_valid():
            try:
                save_profile(
                    user=request.user, client_address=net.rate_limit_address(request), **form.cleaned_data
                )
            except (InvalidProfile, IdNumberTaken) as exc:
                for field, problems in exc.details.get("fields", {}).items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            except TooManyIdNumbers as exc:
                form.add_error(None, str(exc))
                status = exc.status
            else:
                messages.success(request, _("实名信息已保存。"))
                return redirect(next_url or "accounts:profile")
    else:
        initial = {}
        if current is not None:
            initial = {"full_name": current.full_name, "phone": current.phone, "address": current.address}
        form = ProfileForm(initial=initial, has_id_number=current is not None)
    return render(
        request,
        "account/profile.html",
        {"form": form, "profile": current, "next_url": next_url},
        status=status,
    )


# --- Personal API tokens (for the citizen's own apps; they work on the portal only) ----------------


def _token_page(request, *, form=None, new_token: str = "", status: int = 200):
    from accounts.models import TokenScope
    from accounts.tokens import CITIZEN_SCOPES, citizen_tokens

    choices = [(scope.value, scope.label) for scope in TokenScope if scope in CITIZEN_SCOPES]
    return render(
        request,
        "account/api_tokens.html",
        {
            "tokens": list(citizen_tokens(request.user)),
            "form": form or ApiTokenForm(scopes=choices, initial={"scopes": [TokenScope.READ]}),
            "new_token": new_token,
        },
        status=status,
    )


@login_required
def api_tokens(request):
    return _token_page(request)


@login_required
@require_POST
@reauthentication_required
def api_token_create(request):
    """Make a personal token (after allauth's re-authentication: a stolen session cannot mint a
    long-lived key) and show it once; only its digest is kept."""
    from accounts.models import TokenScope
    from accounts.tokens import CITIZEN_SCOPES, issue_citizen_token

    choices = [(scope.value, scope.label) for scope in TokenScope if scope in CITIZEN_SCOPES]
    form = ApiTokenForm(request.POST, scopes=choices)
    if not form.is_valid():
        return _token_page(request, form=form, status=400)
    try:
        _, raw = issue_citizen_token(user=request.user, **form.cleaned_data)
    except HallError as exc:
        for field, problems in exc.details.get("fields", {}).items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return _token_page(request, form=form, status=exc.status)
    return _token_page(request, new_token=raw)


@login_required
@require_POST
def api_token_revoke(request, token_id):
    from accounts.tokens import citizen_token, revoke_token

    token = citizen_token(request.user, token_id)
    if token is None:
        raise Http404
    revoke_token(token=token)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:api_tokens")
