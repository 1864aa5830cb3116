"""The stronger password rule for staff: an account with an agency role reads petitioners' personal
data and reporters' identities, so its password must be harder to guess than a citizen's.

A password validator (AUTH_PASSWORD_VALIDATORS), so it applies wherever Django or allauth sets a
password for a known user: password change, reset and set. Citizens keep the standard validators.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

STAFF_MIN_LENGTH = 12


def _character_classes(password: str) -> set[str]:
    classes = set()
    for char in password:
        if char.isalpha():
            classes.add("letter")
        elif char.isdigit():
            classes.add("digit")
        elif not char.isspace():
            classes.add("symbol")
    return classes


def is_staff_account(user) -> bool:
    if user is None or getattr(user, "pk", None) is None:
        return False
    from accounts.models import Membership

    return Membership.objects.filter(user_id=user.pk).exists()


class StaffPasswordValidator:
    """For accounts with an agency membership: at least 12 characters, with letters, digits and symbols."""

    def __init__(self, min_length: int = STAFF_MIN_LENGTH):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if not is_staff_account(user):
            return
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    _("工作人员的密码至少需要%(min_length)d个字符。"),
                    code="staff_password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        if _character_classes(password) != {"letter", "digit", "symbol"}:
            errors.append(
                ValidationError(
                    _("工作人员的密码须同时包含字母、数字和符号。"), code="staff_password_too_simple"
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _("工作人员的密码至少需要%(min_length)d个字符，并同时包含字母、数字和符号。") % {
            "min_length": self.min_length
        }
