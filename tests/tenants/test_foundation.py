"""The foundation: imports, settings, host routing, surfaces, staff on foreign hosts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def test_platform_folder_does_not_shadow_the_standard_library():
    # The repo root and platform/ on the path, as manage.py and pytest arrange it.
    result = run_python(
        "import sys; sys.path[:0] = ['.', 'platform']\n"
        "import platform, uuid; assert callable(platform.system), platform\n"
        "import celery, django; django.setup()\n"
        "from config.celery_app import app; print(app.main, uuid.uuid4().version)",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["petition_hall", "4"]


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("PORT", "eighty", "PORT='eighty' is not a whole number"),
        ("HALL_SURFACES", "intranet", "HALL_SURFACES='intranet' is not one of: all, portal, staff"),
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is not a boolean"),
        ("HALL_ADMISSION_WAIT", "soon", "HALL_ADMISSION_WAIT='soon' is not a number"),
    ],
)
def test_a_bad_setting_fails_at_start_naming_the_variable(variable, value, hint):
    result = run_python(
        "import sys; sys.path[:0] = ['.', 'platform']\nimport django; django.setup()",
        DJANGO_SETTINGS_MODULE="config.settings",
        **{variable: value},
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and hint in result.stderr


def test_each_host_routes_to_its_own_schema(portal_client, host_client, city):
    assert portal_client.get("/healthz").json() == {"ok": True, "schema": "public"}
    for code in ("xfj", "gaj", "lbs", "dcs"):
        assert host_client(code).get("/healthz").json()["schema"] == f"ag_{code}"


def test_thirty_one_agency_schemas_besides_public(city):
    kinds = [agency.kind for agency in city.values()]
    assert len(city) == 31
    assert (
        kinds.count("bureau"),
        kinds.count("department"),
        kinds.count("county"),
        kinds.count("oversight"),
        kinds.count("discipline"),
    ) == (
        1,
        20,
        8,
        1,
        1,
    )
    # The supervision office belongs to the bureau (one unit when the bureau is reported against).
    assert city["dcs"].part_of == city["xfj"] and city["jjw"].part_of is None


def test_unknown_host_gets_a_clear_404_page(db):
    from django.test import Client

    response = Client(HTTP_HOST="nosuch.hall.localhost").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "nosuch.hall.localhost" in body and "没有与地址" in body and "Traceback" not in body


def test_portal_serves_the_portal_and_workspaces_serve_staff_pages(portal_client, host_client):
    assert "民生服务室" in portal_client.get("/").content.decode()
    response = host_client("gaj").get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_oversight_host_has_its_own_url_conf(host_client, supervisor, handler_a):
    from django.urls import resolve

    response = host_client("dcs", supervisor).get("/")
    assert response.status_code == 200
    assert resolve("/", urlconf="config.urls_oversight").func.__module__.endswith("views")
    # an agency's staff cannot use the oversight host
    assert host_client("dcs", handler_a).get("/").status_code == 403


def test_staff_are_refused_on_another_agencys_host(host_client, handler_a):
    assert host_client("gaj", handler_a).get("/").status_code == 200
    refused = host_client("zjj", handler_a).get("/")
    assert refused.status_code == 403
    assert "不是" in refused.content.decode()


def test_a_citizen_is_refused_on_a_workspace(host_client, citizen):
    assert host_client("gaj", citizen).get("/").status_code == 403


@override_settings(HALL_SURFACES="portal")
def test_a_portal_only_process_routes_to_no_staff_page(portal_client, host_client, handler_a):
    assert portal_client.get("/").status_code == 200
    for code in ("gaj", "xfj", "dcs"):
        for path in ("/", "/healthz", "/accounts/login/"):
            assert host_client(code, handler_a).get(path).status_code == 404


@override_settings(HALL_SURFACES="staff")
def test_a_staff_only_process_does_not_serve_the_portal(portal_client, host_client, handler_a):
    assert portal_client.get("/").status_code == 404
    assert host_client("gaj", handler_a).get("/").status_code == 200


def test_demo_seed_has_a_citizen_and_every_role_in_five_agencies(db):
    from accounts.models import Membership, Role
    from tenants.demo import seed_users

    seed_users()
    seed_users()  # idempotent
    held = set(Membership.objects.values_list("agency__code", "role"))
    for code in ("xfj", "gaj", "zjj", "lbs", "dcs"):
        for role in Role.values:
            assert (code, role) in held, (code, role)
    from accounts.models import User

    citizen = User.objects.get(email="citizen@demo.hall")
    assert not citizen.memberships.exists() and citizen.check_password("hall-demo-2026")


def test_actor_from_request_is_staff_on_a_workspace_and_citizen_on_the_portal(
    rf, handler_a, agency_a, citizen
):
    from django.contrib.auth.models import AnonymousUser

    from cases.services import Actor
    from tenants.models import Agency

    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    request.user, request.tenant = handler_a, agency_a
    actor = Actor.from_request(request)
    assert actor.agency == agency_a and "handler" in actor.roles and actor.ip == "10.1.2.3"
    request.user, request.tenant = citizen, Agency.objects.get(schema_name="public")
    assert Actor.from_request(request).is_citizen
    request.user = AnonymousUser()
    assert Actor.from_request(request).agency is None
