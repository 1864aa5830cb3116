"""schemathesis (v4) against each host's schema: generated requests to every operation, signed in
with a token of the host (a citizen's on the portal, an agency's on its host, the oversight body's on
its own), give no server error and no status the schema does not document.

Kept small for ``./run test``: a few examples per operation (HALL_SCHEMATHESIS_EXAMPLES, default 10),
so the three hosts take well under two minutes together.
"""

import os
from datetime import timedelta
from urllib.parse import urlsplit

import hypothesis
import requests
import schemathesis
import yaml
from django.test import Client
from hypothesis import HealthCheck, Phase
from requests.structures import CaseInsensitiveDict
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from accounts import tokens
from accounts.models import Membership, Role
from tenants.hosts import agency_host
from tests.conftest import make_staff

pytest_plugins = ["tests.cases.conftest"]

EXAMPLES = int(os.environ.get("HALL_SCHEMATHESIS_EXAMPLES", "10"))


def _send(case, host: str, headers: dict) -> requests.Response:
    """Send the generated request through Django's test client (inside the test's transaction) and
    hand schemathesis the answer as a requests.Response."""
    kwargs = case.as_transport_kwargs(base_url=f"http://{host}", headers=headers)
    kwargs.pop("timeout", None)
    kwargs.pop("allow_redirects", None)
    kwargs.pop("verify", None)
    prepared = requests.Request(**kwargs).prepare()
    parts = urlsplit(prepared.url)
    extra = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in prepared.headers.items()
        if name.lower() not in ("content-type", "content-length", "host")
    }
    answer = Client(HTTP_HOST=host).generic(
        prepared.method,
        parts.path + (f"?{parts.query}" if parts.query else ""),
        data=prepared.body or b"",
        content_type=prepared.headers.get("Content-Type", "application/octet-stream"),
        **extra,
    )
    response = requests.Response()
    response.status_code = answer.status_code
    response._content = answer.content
    response.headers = CaseInsensitiveDict(dict(answer.items()))
    response.url = prepared.url
    response.request = prepared
    response.encoding = "utf-8"
    response.reason = answer.reason_phrase
    response.elapsed = timedelta(0)
    return response


def _run(host: str, token: str) -> list[str]:
    """Every operation of the host's schema, EXAMPLES generated requests each; the failures found."""
    raw = yaml.safe_load(Client(HTTP_HOST=host).get("/api/schema/").content)
    schema = schemathesis.openapi.from_dict(raw)
    problems: list[str] = []
    sent: dict[str, int] = {}
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case):
            response = _send(case, host, headers)
            sent[case.operation.label] = sent.get(case.operation.label, 0) + 1
            try:
                case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
            except Exception as exc:  # noqa: BLE001 - collect every operation's failures, then report
                problems.append(f"{case.method} {case.path} -> {response.status_code}: {str(exc)[:300]}")

        check()
    # Every documented operation was called (a schema that lost its operations would pass silently).
    documented = {f"{method.upper()} {path}" for path, item in raw["paths"].items() for method in item}
    assert set(sent) == documented, set(documented) ^ set(sent)
    print(f"schemathesis {host}: {sum(sent.values())} requests over {len(sent)} operations")  # noqa: T201
    return problems


def test_the_portal_api_has_no_server_errors_and_no_undocumented_statuses(citizen, settings):
    from django.conf import settings as django_settings

    _, token = tokens.issue_citizen_token(user=citizen, name="st", scopes=["read", "act"])
    assert _run(django_settings.HALL_DOMAIN, token) == []


def test_an_agency_api_has_no_server_errors_and_no_undocumented_statuses(agency_a, leader_a):
    Membership.objects.create(user=leader_a, agency=agency_a, role=Role.ADMIN)
    _, token = tokens.issue_agency_token(
        acting_user=leader_a, agency=agency_a, member=leader_a, name="st", scopes=["read", "act"]
    )
    assert _run(agency_host(agency_a.code), token) == []


def test_the_oversight_api_has_no_server_errors_and_no_undocumented_statuses(oversight):
    admin = make_staff("admin@dcs.test", oversight, Role.ADMIN, Role.SUPERVISOR)
    _, token = tokens.issue_agency_token(
        acting_user=admin, agency=oversight, member=admin, name="st", scopes=["read", "act", "oversight"]
    )
    assert _run(agency_host(oversight.code), token) == []
