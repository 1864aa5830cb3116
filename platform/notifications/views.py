"""The citizen's inbox on the portal (every message about their petitions, newest first), the choice
of channels with the verified mobile number, and signing in with the number and an SMS code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config import net
from config.errors import HallError
from config.masking import mask_phone
from notifications import phone as phone_codes
from notifications.forms import ChannelsForm, PhoneCodeForm
from notifications.services import mark_all_read as mark_all_read_service
from notifications.services import mark_read as mark_read_service
from notifications.services import query_codes, unread_count


@login_required
def inbox(request):
    from notifications.models import Notification

    rows = Notification.objects.filter(user=request.user).order_by("-created_at")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    # The query code of each of the citizen's petitions, beside its messages (decrypted from the index).
    codes = query_codes(request.user, [note.case_uuid for note in page.object_list])
    for note in page.object_list:
        note.query_code = codes.get(note.case_uuid, "")
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request, notification_id):
    # Someone else's id marks nothing: the service filters by the signed-in user.
    mark_read_service(user=request.user, notification_id=notification_id)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    mark_all_read_service(user=request.user)
    return redirect("notifications:inbox")


def _safe_next(request) -> str:
    # Only a path on this host: a sign-in form must not send the citizen elsewhere.
    wanted = request.POST.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and allowed else "/"


def _add_error(form, exc: HallError) -> None:
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, str(exc))


@login_required
def preferences(request):
    """Which channels besides the inbox, and the mobile number SMS goes to (proven by a code)."""
    from notifications.models import ChannelPreference, VerifiedPhone

    verified = VerifiedPhone.objects.filter(user=request.user).first()
    current = ChannelPreference.objects.filter(user=request.user).first()
    channels = ChannelsForm(
        initial={"email": current.email if current else True, "sms": bool(current and current.sms)}
    )
    phone_form = PhoneCodeForm()
    status = 200
    action = request.POST.get("action") if request.method == "POST" else None
    address = net.rate_limit_address(request)
    if action == "channels":
        channels = ChannelsForm(request.POST)
        if channels.is_valid():
            if channels.cleaned_data["sms"] and verified is None:
                channels.add_error("sms", _("请先验证手机号码，再开启短信通知。"))
                status = 400
            else:
                ChannelPreference.objects.update_or_create(user=request.user, defaults=channels.cleaned_data)
                messages.success(request, _("通知方式已保存。"))
                return redirect("accounts:notification_preferences")
    elif action in ("send_code", "verify"):
        phone_form = PhoneCodeForm(request.POST)
        if phone_form.is_valid():
            data = phone_form.cleaned_data
            try:
                if action == "send_code":
                    phone_codes.request_code(
                        phone=data["phone"],
                        purpose=phone_codes.PURPOSE_VERIFY,
                        client_address=address,
                        user=request.user,
                    )
                    messages.info(request, _("验证码已发送，请查收短信。"))
                else:
                    phone_codes.verify_phone(
                        user=request.user, phone=data["phone"], code=data["code"], client_address=address
                    )
                    messages.success(request, _("手机号码已验证。"))
                    return redirect("accounts:notification_preferences")
            except HallError as exc:
                _add_error(phone_form, exc)
                status = exc.status
    return render(
        request,
        "notifications/preferences.html",
        {
            "channels": channels,
            "phone_form": phone_form,
            "verified_masked": mask_phone(verified.phone) if verified else "",
        },
        status=status,
    )


def phone_sign_in(request):
    """Sign in on the portal with a verified mobile number and an SMS code. Staff are refused here
    as on the password form (accounts.surfaces.staff_sign_in_refusal)."""
    from allauth.account.utils import perform_login

    from accounts.surfaces import staff_sign_in_refusal

    form = PhoneCodeForm(request.POST or None)
    status = 200
    address = net.rate_limit_address(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "send_code":
                phone_codes.request_code(
                    phone=data["phone"], purpose=phone_codes.PURPOSE_SIGN_IN, client_address=address
                )
                # The same answer whether or not an account has this number.
                messages.info(request, _("如果该号码已在本站验证，验证码已发送。"))
            else:
                user = phone_codes.user_for_code(
                    phone=data["phone"], code=data["code"], client_address=address
                )
                refusal = staff_sign_in_refusal(request, user)
                if refusal is not None:
                    form.add_error(None, str(refusal))
                    status = 403
                else:
                    return perform_login(request, user, redirect_url=_safe_next(request))
        except HallError as exc:
            _add_error(form, exc)
            status = exc.status
    return render(request, "notifications/phone_sign_in.html", {"form": form}, status=status)
