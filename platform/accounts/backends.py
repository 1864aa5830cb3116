"""Django's ModelBackend, with the signed-in user read by a statement compiled once.

Every signed-in request reads its user after its session (``django.contrib.auth.get_user``); Django's
``objects.get(pk=...)`` builds and compiles that SELECT of the user's columns each time, ~1 ms of CPU
per request on this machine. The read is the same query, compiled once (config.compiled.fetch);
signing in, permissions and everything else are ModelBackend's own.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangosModelBackend

from config.compiled import fetch


class ModelBackend(DjangosModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = fetch(user_model, pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
