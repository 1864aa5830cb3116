"""Reads about accounts that are more than one line."""

from accounts.models import CitizenProfile, User


def profile_for(user: User) -> CitizenProfile | None:
    """The citizen's real-name profile, or None (anonymous users and citizens not yet registered)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return CitizenProfile.objects.filter(user=user).first()


def has_profile(user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return CitizenProfile.objects.filter(user=user).exists()
