"""Account pages on the portal that allauth does not provide: the real-name profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm
from accounts.queries import profile_for
from accounts.services import IdNumberTaken, InvalidProfile, TooManyIdNumbers, save_profile
from config import net


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
