"""The OpenAPI schema's shared parts: the one error shape on every operation, the token scheme, the
``Idempotency-Key`` header on every POST.

Errors are documented here, once, for every operation (``HallAutoSchema``, settings.REST_FRAMEWORK's
DEFAULT_SCHEMA_CLASS), not per view: what an operation can answer follows from its method (a body can
be malformed, too large, of the wrong type), from the authentication and throttling that every view
has, and from the access helpers ("not found, never forbidden"). A view's own ``extend_schema``
responses win where it gives a status a body of its own.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class ErrorBody(serializers.Serializer):
    code = serializers.CharField(help_text="stable, machine-readable (e.g. not_found, invalid_transition)")
    message = serializers.CharField(help_text="for people, in the request's language")
    details = serializers.DictField(help_text="field errors for `invalid`; otherwise extra facts or empty")


class ErrorSerializer(serializers.Serializer):
    error = ErrorBody()

    class Meta:
        ref_name = "Error"


# What each status means in this API (the description shown with it).
ERROR_STATUSES = {
    400: "Malformed body or query, or an input the service refuses (code says which)",
    401: "No credentials, or a token that is unknown, revoked, expired or for another host",
    403: "Signed in, but not allowed: not staff of this host's agency, token scope, or a legal rule",
    404: "No such resource for this caller (another tenant's data is never found)",
    406: "The Accept header asks for a format the API does not produce",
    409: "The case is not in a state that allows this",
    413: "Request body too large",
    415: "Unsupported Content-Type",
    422: "Idempotency-Key already used for a different request",
    429: "Too many requests (see Retry-After)",
    500: "Server error",
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
BODY_ONLY = frozenset({409, 413, 415, 422})

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes a retry safe: the same key and body within 24 h return the first answer "
        "(header Idempotent-Replayed: true) and create nothing; the same key with another body is 422."
    ),
)


class HallAutoSchema(AutoSchema):
    def error_statuses(self) -> list[int]:
        has_body = self.method in BODY_METHODS
        return [status for status in ERROR_STATUSES if has_body or status not in BODY_ONLY]

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status in self.error_statuses():
            if str(status) in responses:
                responses[str(status)]["description"] = (
                    responses[str(status)].get("description") or ERROR_STATUSES[status]
                )
                continue
            responses[str(status)] = self._get_response_for_code(
                ErrorSerializer, str(status), direction=direction
            )
            responses[str(status)]["description"] = ERROR_STATUSES[status]
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (ph_…) made on the portal's profile page (citizens) or in the "
            "workspace settings (agencies). Valid only on the host it was made for.",
        }


class HallSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.HallSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "hall_portal_session / hall_staff_session",
            "description": "The browser's session (unsafe methods also need the X-CSRFToken header).",
        }
