"""Safe by default: no debug pages, no public secret key, TLS behind the proxy, HSTS, CSP, error pages."""

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tenants.sessions import csrf_cookie_name, surface_of_host

ROOT = Path(__file__).resolve().parents[2]
OLD_PUBLIC_KEY = "dev-only-insecure-key-change-me"
SHOW_SETTINGS = (
    "import sys, json; sys.path[:0] = ['.', 'platform']\n"
    "import django; django.setup()\n"
    "from django.conf import settings as s\n"
    "print(json.dumps({name: getattr(s, name, None) for name in sys.argv[1:]}))"
)


def settings_of(*names: str, **env) -> dict:
    """The named settings as a fresh process computes them from ``env`` (on top of a clean slate)."""
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "HALL_SCHEME", "HALL_BEHIND_TLS_PROXY"}
        and not key.startswith(("HALL_HSTS", "SESSION_COOKIE"))
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SHOW_SETTINGS, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_is_off_unless_a_developer_turns_it_on(tmp_path):
    assert settings_of("DEBUG", HALL_DATA_DIR=str(tmp_path)) == {"DEBUG": False}
    assert settings_of("DEBUG", HALL_DATA_DIR=str(tmp_path), DJANGO_DEBUG="1") == {"DEBUG": True}


def test_no_secret_key_is_in_the_code():
    code = (ROOT / "platform" / "config" / "settings.py").read_text()
    assert OLD_PUBLIC_KEY not in code
    assert settings.SECRET_KEY != OLD_PUBLIC_KEY


def test_without_a_secret_key_each_installation_makes_and_keeps_its_own(tmp_path):
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    first = settings_of("SECRET_KEY", HALL_DATA_DIR=str(first_dir))["SECRET_KEY"]
    key_file = first_dir / "secret_key"
    assert key_file.read_text().strip() == first and len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Reused on the next start; another installation has another key.
    assert settings_of("SECRET_KEY", HALL_DATA_DIR=str(first_dir))["SECRET_KEY"] == first
    assert settings_of("SECRET_KEY", HALL_DATA_DIR=str(second_dir))["SECRET_KEY"] not in (
        first,
        OLD_PUBLIC_KEY,
    )
    # A key given in the environment wins, and nothing is written.
    given = settings_of("SECRET_KEY", HALL_DATA_DIR=str(tmp_path / "three"), DJANGO_SECRET_KEY="k" * 60)
    assert given == {"SECRET_KEY": "k" * 60} and not (tmp_path / "three").exists()


def test_a_key_file_others_can_read_fails_loudly(tmp_path):
    (tmp_path / "secret_key").write_text("x" * 60)
    (tmp_path / "secret_key").chmod(0o644)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SHOW_SETTINGS, "SECRET_KEY"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HALL_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "chmod 600" in result.stderr


def test_data_encrypted_under_the_old_public_key_cannot_be_read():
    from cryptography.fernet import Fernet

    from config import crypto

    crypto._fernet.cache_clear()
    forged = Fernet(crypto._derive(OLD_PUBLIC_KEY)).encrypt(b"11010519491231002X").decode()
    assert crypto.decrypt_text(forged) == ""
    assert crypto.decrypt_text(crypto.encrypt_text("11010519491231002X")) == "11010519491231002X"


def test_https_deployment_gets_hsts_proxy_tls_and_secure_cookies(tmp_path):
    names = (
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    )
    production = settings_of(
        *names,
        HALL_DATA_DIR=str(tmp_path),
        HALL_SCHEME="https",
        HALL_DOMAIN="hall.example.gov.cn",
        HALL_BEHIND_TLS_PROXY="1",
    )
    assert production == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://hall.example.gov.cn", "https://*.hall.example.gov.cn"],
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    embedded = settings_of(*names, HALL_DATA_DIR=str(tmp_path))
    assert embedded["SECURE_PROXY_SSL_HEADER"] is None and embedded["SECURE_HSTS_SECONDS"] == 0
    assert embedded["SESSION_COOKIE_SECURE"] is False  # the demo runs on plain http


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("HALL_HSTS_SECONDS", "-1", "HALL_HSTS_SECONDS=-1 is below the minimum of 0"),
        ("HALL_BEHIND_TLS_PROXY", "perhaps", "HALL_BEHIND_TLS_PROXY='perhaps' is not a boolean"),
    ],
)
def test_a_bad_security_setting_fails_at_start(tmp_path, variable, value, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        settings_of("DEBUG", HALL_DATA_DIR=str(tmp_path), **{variable: value})


BEHIND_PROXY = {
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "CSRF_TRUSTED_ORIGINS": [f"https://{settings.HALL_DOMAIN}", f"https://*.{settings.HALL_DOMAIN}"],
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
}


def post_language_form(host: str, origin: str) -> int:
    """The language switch (a POST form on every page), as a browser sends it through nginx."""
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
    client.get("/accounts/login/")
    token = client.cookies[csrf_cookie_name(surface_of_host(host))].value
    response = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=origin,
    )
    if response.status_code == 403:
        assert "页面已过期" in response.content.decode()
    return response.status_code


@override_settings(**BEHIND_PROXY)
def test_a_form_posted_through_the_tls_proxy_passes_csrf(db):
    host = f"gaj.{settings.HALL_DOMAIN}"
    assert post_language_form(host, f"https://{host}") == 302
    assert post_language_form(settings.HALL_DOMAIN, f"https://{settings.HALL_DOMAIN}") == 302
    # Another site's form is still refused, on the hall's own page.
    assert post_language_form(host, "https://evil.example") == 403


@override_settings(SECURE_PROXY_SSL_HEADER=None, CSRF_TRUSTED_ORIGINS=[])
def test_without_the_proxy_setting_an_https_origin_is_refused(db):
    # What every form did behind nginx before: the app saw http, the browser said https.
    host = f"gaj.{settings.HALL_DOMAIN}"
    assert post_language_form(host, f"https://{host}") == 403


@override_settings(**BEHIND_PROXY)
def test_https_responses_carry_hsts_for_the_workspace_subdomains(db):
    client = Client(HTTP_HOST=f"gaj.{settings.HALL_DOMAIN}", HTTP_X_FORWARDED_PROTO="https")
    response = client.get("/accounts/login/")
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies[csrf_cookie_name("staff")]["secure"]


# --- Error pages --------------------------------------------------------------------------------

HOSTS = {
    "portal": settings.HALL_DOMAIN,
    "bureau": f"xfj.{settings.HALL_DOMAIN}",
    "department": f"gaj.{settings.HALL_DOMAIN}",
    "county": f"lbs.{settings.HALL_DOMAIN}",
    "oversight": f"dcs.{settings.HALL_DOMAIN}",
}
# What Django's technical 404 and 500 pages show: the URL patterns tried, the settings, the traceback.
PATTERN_TRACES = ("URLconf", "urlpatterns", "URL patterns", "didn", "<uuid:", "<int:", "Traceback", "DEBUG")


@pytest.mark.parametrize("kind", sorted(HOSTS))
def test_a_404_on_each_host_kind_is_the_halls_page_and_lists_no_patterns(db, kind):
    response = Client(HTTP_HOST=HOSTS[kind]).get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "找不到该页面" in body and "/static/hall/hall.css" in body
    assert not [trace for trace in PATTERN_TRACES if trace in body]


def test_an_unknown_host_lists_no_patterns(db):
    body = Client(HTTP_HOST=f"nosuch.{settings.HALL_DOMAIN}").get("/x/").content.decode()
    assert not [trace for trace in PATTERN_TRACES if trace in body]


def test_a_server_error_shows_the_halls_own_page_and_no_settings(db, monkeypatch):
    from config import common_views

    def explode(*args, **kwargs):
        raise RuntimeError(f"boom {settings.DATABASES['default']['NAME']}")

    monkeypatch.setattr(common_views, "JsonResponse", explode)
    for host in (HOSTS["portal"], HOSTS["department"]):
        response = Client(HTTP_HOST=host, raise_request_exception=False).get("/healthz")
        assert response.status_code == 500
        body = response.content.decode()
        assert "服务暂时出现故障" in body and "/static/hall/hall.css" in body
        for secret in ("SECRET_KEY", settings.SECRET_KEY, "DATABASE", "RuntimeError", "boom", "Traceback"):
            assert secret not in body


# --- Content-Security-Policy ------------------------------------------------------------------


def csp_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_carries_a_csp_without_inline_script(db, citizen):
    pages = [
        Client(HTTP_HOST=HOSTS["portal"]).get("/"),
        Client(HTTP_HOST=HOSTS["department"]).get("/accounts/login/"),
        Client(HTTP_HOST=HOSTS["oversight"]).get("/no-such-page/"),
    ]
    for response in pages:
        policy = csp_of(response)
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


TEMPLATE_FOLDERS = [ROOT / "platform", ROOT / "cases", ROOT / "public_site", ROOT / "api", ROOT / "tenants"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=|<style\b", re.I)
SCRIPT_URL = re.compile(r"javascript:", re.I)


def test_no_template_has_what_the_csp_would_block():
    found = []
    for folder in TEMPLATE_FOLDERS:
        for template in folder.rglob("templates/**/*.html"):
            text = template.read_text()
            for rule in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE, SCRIPT_URL):
                found += [f"{template.relative_to(ROOT)}: {match}" for match in rule.findall(text)]
    assert found == []
