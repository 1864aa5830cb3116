"""Petition Hall settings: environment-driven, with a working default for the embedded run."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_choice, env_float, env_int, env_list, env_secret, env_str

ROOT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(env_str("HALL_DATA_DIR", str(ROOT_DIR / ".data")))

# Off unless a developer turns it on: the debug page shows every setting and lists the URL patterns.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Never a key in the code: unset, each installation makes its own random key on first start and keeps
# it in DATA_DIR/secret_key (mode 0600). HALL_FIELD_KEY falls back to it (config/crypto.py). Several
# web nodes sharing one database must all be given the same DJANGO_SECRET_KEY.
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", DATA_DIR / "secret_key")

# --- Hosts and surfaces -----------------------------------------------------------------------
# The portal lives on HALL_DOMAIN; every agency workspace on <code>.HALL_DOMAIN.
HALL_DOMAIN = env_str("HALL_DOMAIN", "hall.localhost").lower().strip(".")
# Internet/intranet separation (内外网物理隔离): which surfaces this process serves.
# "portal": only the citizens' portal; "staff": only agency and oversight workspaces; "all": both.
HALL_SURFACES = env_choice("HALL_SURFACES", "all", ("all", "portal", "staff"))
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [HALL_DOMAIN, f".{HALL_DOMAIN}", "localhost", "127.0.0.1"])
HALL_PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
# The demo city's replayed year (tenants.demo_history): off with HALL_DEMO_HISTORY=0 or `./run --empty`;
# `./run` waits up to HALL_DEMO_HISTORY_WAIT seconds for it, then serves while the rest is seeded.
HALL_DEMO_HISTORY = env_bool("HALL_DEMO_HISTORY", True)
HALL_DEMO_HISTORY_PETITIONS = env_int("HALL_DEMO_HISTORY_PETITIONS", 2000, minimum=1, maximum=100_000)
HALL_DEMO_HISTORY_WAIT = env_int("HALL_DEMO_HISTORY_WAIT", 40, minimum=0, maximum=3600)
HALL_SCHEME = env_choice("HALL_SCHEME", "http", ("http", "https"))
# How many reverse proxies we run in front of the app (nginx alone: 1). The client's address for audit
# records and rate limits is the X-Forwarded-For entry that many hops from the right (config.net);
# 0 ignores the header, which any client can send. HALL_TRUST_X_FORWARDED_FOR=1, the old on/off
# switch, still means a count of 1 when HALL_TRUSTED_PROXY_COUNT is unset.
HALL_TRUSTED_PROXY_COUNT = env_int(
    "HALL_TRUSTED_PROXY_COUNT",
    1 if env_bool("HALL_TRUST_X_FORWARDED_FOR", False) else 0,
    minimum=0,
    maximum=10,
)

# --- Applications --------------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "accounts",
    "workdays",
    "cases.index",
    "cases.workspace",
    "cases.oversight",
    "notifications",
    "documents",
    "filestore",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our own static files (the CSP)
    "csp",
    "public_site",
    "api",
    "api.open311",
]
# Tables created in every agency schema.
TENANT_APPS = [
    "cases",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Agency"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_agency"
OVERSIGHT_URLCONF = "config.urls_oversight"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False

MIDDLEWARE = [
    # First: a request turned away under overload touches nothing (config/admission.py).
    "config.admission.AdmissionMiddleware",
    "tenants.middleware.HallTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # 413 for an oversized API body before anything reads it (DRF's JSON parser reads the raw stream).
    "config.error_views.ApiBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Idempotency-Key on API creates; wraps the view in the transaction that keeps the key's row.
    "api.idempotency.IdempotencyMiddleware",
    "config.middleware.HallErrorMiddleware",
]

# Admission control per web process (config/admission.py): requests working at once, how many more may
# wait, and for how long, before 503 with Retry-After. 0 slots turns it off (the development server).
HALL_ADMISSION_SLOTS = env_int("HALL_ADMISSION_SLOTS", 0, minimum=0)
HALL_ADMISSION_QUEUE = env_int("HALL_ADMISSION_QUEUE", 32, minimum=0)
HALL_ADMISSION_WAIT = env_float("HALL_ADMISSION_WAIT", 1.0, minimum=0.0)
HALL_ADMISSION_RETRY_AFTER = env_int("HALL_ADMISSION_RETRY_AFTER", 2, minimum=1)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ROOT_DIR / "platform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.hall",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database ------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    from config.embedded_db import embedded_database

    _db = embedded_database(env_str("HALL_EMBEDDED_DB_NAME", "hall"))
    _db["CONN_MAX_AGE"] = 60  # type: ignore[assignment]
# django-tenants' backend, setting the search_path once per change of schema (config/postgresql/base.py).
_db["ENGINE"] = "config.postgresql"
# Parallel test runs (several developers on one machine) each take their own test database.
_db["TEST"] = {"NAME": env_str("HALL_TEST_DB_NAME", f"test_{_db['NAME']}")}  # type: ignore[assignment]
DATABASES = {"default": _db}
# SET search_path only when the schema changes, not before every cursor (it was half of all statements).
TENANT_LIMIT_SET_CALLS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend, its per-request read of the user compiled once (accounts.backends).
    "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Accounts with an agency role: 12+ characters with letters, digits and symbols.
    {"NAME": "accounts.passwords.StaffPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
# The sign-in refuses a staff account whose password is below the staff rule (accounts.forms).
ACCOUNT_FORMS = {"login": "accounts.forms.HallLoginForm"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory", ("mandatory", "optional", "none")
)
# Failed sign-ins are counted so that nobody can lock someone else out (accounts.adapters explains):
# per address 30 in 5 minutes (a shared office or NAT survives one person's typos), per account and
# address 5 in 5 minutes (guessing one password from one place), and per account from anywhere 50 in
# an hour, which does not apply where the account signed in or reset its password in the last 30 days.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/5m/ip,5/5m/key", "login_failed_account": "50/1h/key"}
ACCOUNT_ADAPTER = "accounts.adapters.HallAccountAdapter"
ACCOUNT_CHANGE_EMAIL = True  # one address per account; a new one replaces it once verified
# Staff second factor (allauth.mfa TOTP): accounts.access.staff_required sends a member without an
# authenticator app to set one up before any workspace page. Switch off only on a dev machine.
HALL_STAFF_MFA_REQUIRED = env_bool("HALL_STAFF_MFA_REQUIRED", True)
MFA_ADAPTER = "accounts.adapters.HallMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("HALL_TOTP_ISSUER", "网上信访大厅")
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"noreply@{HALL_DOMAIN}")

# --- Cache (tenant-aware keys: django-tenants' make_key prefixes the schema) ---------------------
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache"
        if CACHE_URL
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": CACHE_URL or "hall",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

# --- Internationalisation: Simplified Chinese by default, English when asked ---------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [ROOT_DIR / "platform" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [ROOT_DIR / "platform" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
HALL_S3_BUCKET = env_str("HALL_S3_BUCKET", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed copies made by collectstatic (`./run` runs it), served by WhiteNoise.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if HALL_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": HALL_S3_BUCKET,
            "endpoint_url": env_str("HALL_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("HALL_S3_REGION", "us-east-1"),
            "access_key": env_str("HALL_S3_ACCESS_KEY", "") or None,
            "secret_key": env_str("HALL_S3_SECRET_KEY", "") or None,
            "querystring_auth": True,
            # SigV4 presigned URLs (botocore still defaults to SigV2, which AWS refuses for new buckets);
            # MinIO and most S3 clones behind a custom endpoint want path-style addressing.
            "signature_version": "s3v4",
            "addressing_style": env_choice("HALL_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")),
            "querystring_expire": env_int("HALL_S3_URL_EXPIRE_SECONDS", 300, minimum=10, maximum=86400),
            "default_acl": None,
            "file_overwrite": False,
        },
    }
# A CJK font file for generated PDFs; empty: the one the documents app finds (see documents/fonts.py).
HALL_PDF_FONT_PATH = env_str("HALL_PDF_FONT_PATH", "")
HALL_UPLOAD_MAX_BYTES = env_int("HALL_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
HALL_FIELD_KEY = env_str("HALL_FIELD_KEY", "")
HALL_FIELD_KEY_OLD = env_str("HALL_FIELD_KEY_OLD", "")
# How long a logged read (a case opened with a reason, an identity read with a purpose) stays open
# to reloads before the form asks again (cases.read_grants).
# 信访工作条例 arts. 35-36 (自收到之日起): a written reply, opinion or notice published to the petitioner's
# portal counts as received when they first open it, or this many days after publication, whichever is
# first (cases.procedure.delivery_on).
HALL_ONLINE_SERVICE_DAYS = env_int("HALL_ONLINE_SERVICE_DAYS", 7, minimum=0, maximum=60)
HALL_LOGGED_READ_SECONDS = env_int("HALL_LOGGED_READ_SECONDS", 300, minimum=10, maximum=3600)

# --- Celery --------------------------------------------------------------------------------------
# Without CELERY_BROKER_URL the broker is a folder (kombu's filesystem transport, .data/broker): no
# server to run, and `./run` starts a worker and beat beside the web server either way (serve_hall).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Beat runs in the public schema: the sweep reads the public CaseIndex (cases.oversight.tasks).
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines-daily": {
        "task": "cases.oversight.tasks.sweep_deadlines",
        "schedule": crontab(hour=1, minute=30),
    },
    "purge-idempotency-keys-hourly": {
        "task": "api.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=45),
    },
    "purge-abandoned-uploads-daily": {
        "task": "filestore.tasks.purge_abandoned_uploads",
        "schedule": crontab(hour=2, minute=15),
    },
}

# --- Background work and notifications ----------------------------------------------------------
# A task's message is acknowledged only when the task has finished: a worker that dies mid-task
# leaves it to be redone (Redis gives it back after the visibility timeout, RabbitMQ at once), and
# every task is idempotent so a redo has one effect (notifications.services).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("HALL_CELERY_QUEUE", "hall")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
HALL_BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folder is made when Celery first reads its configuration (config.celery_app), not here.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(HALL_BROKER_DIR),
        "data_folder_out": str(HALL_BROKER_DIR),
        # The exchange table too (kombu's default is "control" in the working directory, which
        # differs between the web process and the worker).
        "control_folder": str(HALL_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Seconds before Redis hands an unacknowledged message to another worker; longer than any task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("HALL_CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
    }
# The daily sweep (cases.services.sweep): how many working days before each deadline the responsible
# agency is reminded, and how many index rows one agency task takes at most.
HALL_SWEEP_REMINDER_WORKING_DAYS = env_int("HALL_SWEEP_REMINDER_WORKING_DAYS", 3, minimum=0, maximum=20)
HALL_SWEEP_BATCH_SIZE = env_int("HALL_SWEEP_BATCH_SIZE", 2000, minimum=1, maximum=100_000)
# The staff's daily digest of what is due in their agency (cases.tasks.enqueue_due_digests).
# Generated documents whose render failed or never ran (cases.services.documents): picked up again.
CELERY_BEAT_SCHEDULE["render-staged-documents"] = {
    "task": "cases.tasks.render_staged_documents",
    "schedule": crontab(minute="*/5"),
}
CELERY_BEAT_SCHEDULE["due-digest-daily"] = {
    "task": "cases.tasks.enqueue_due_digests",
    "schedule": crontab(hour=7, minute=30),
}
# How many times a failed delivery is retried (with exponential backoff) before it waits for staff.
HALL_DELIVERY_MAX_RETRIES = env_int("HALL_DELIVERY_MAX_RETRIES", 6, minimum=0, maximum=20)
HALL_DELIVERY_RETRY_BASE_SECONDS = env_int("HALL_DELIVERY_RETRY_BASE_SECONDS", 30, minimum=1)
# SMS: "logging" writes the message to the log; "aliyun" calls an Aliyun-compatible SendSms HTTP API
# (HMAC-SHA1 signed RPC request) at HALL_SMS_URL.
HALL_SMS_BACKEND = env_choice("HALL_SMS_BACKEND", "logging", ("logging", "aliyun"))
HALL_SMS_URL = env_str("HALL_SMS_URL", "https://dysmsapi.aliyuncs.com/")
HALL_SMS_ACCESS_KEY_ID = env_str("HALL_SMS_ACCESS_KEY_ID", "")
HALL_SMS_ACCESS_KEY_SECRET = env_str("HALL_SMS_ACCESS_KEY_SECRET", "")
HALL_SMS_SIGN_NAME = env_str("HALL_SMS_SIGN_NAME", "网上信访大厅")
# The gateway's template id per message kind, "kind=SMS_123,kind2=SMS_456"; a kind not listed uses
# its own name as the template id (what the logging backend prints).
HALL_SMS_TEMPLATES = dict(item.split("=", 1) for item in env_list("HALL_SMS_TEMPLATES", []) if "=" in item)
HALL_SMS_TIMEOUT_SECONDS = env_int("HALL_SMS_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
# Phone sign-in codes: how long one lives, and how many may be asked for per number and per address.
HALL_PHONE_CODE_SECONDS = env_int("HALL_PHONE_CODE_SECONDS", 300, minimum=60, maximum=3600)
HALL_PHONE_CODES_PER_HOUR = env_int("HALL_PHONE_CODES_PER_HOUR", 5, minimum=1)

# --- REST API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.HallAutoSchema",
    # A bearer token first: a request with no credentials then gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "api.authentication.HallSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.HallApiThrottle"],
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
}


def _rate(name: str, default: str) -> tuple[int, int]:
    """ "requests/seconds", e.g. "600/60"."""
    value = env_str(name, default)
    try:
        requests, seconds = (int(part) for part in value.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not requests/seconds (e.g. 600/60).") from None
    if requests < 1 or seconds < 1:
        raise ImproperlyConfigured(f"{name}={value!r}: both numbers must be at least 1.")
    return requests, seconds


# API request limits (api.throttles): per token, per signed-in user (all their tokens and sessions
# together) and per address for the anonymous.
HALL_API_RATES = {
    "token": _rate("HALL_API_RATE_TOKEN", "600/60"),
    "user": _rate("HALL_API_RATE_USER", "1200/60"),
    "anon": _rate("HALL_API_RATE_ANON", "120/60"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Petition Hall API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Sign in with a session (browser, with CSRF) or send `Authorization: Bearer <token>`. A token "
        'works only on the host it was made for. Every error is `{"error": {"code", "message", '
        '"details"}}`; send `Idempotency-Key` with a create to make a retry safe.'
    ),
    # Swagger UI from drf-spectacular-sidecar (our own static files): the CSP allows no other origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security ------------------------------------------------------------------------------------
# Django's database sessions, read with a statement compiled once (tenants/session_store.py).
SESSION_ENGINE = "tenants.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HALL_SCHEME == "https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind nginx terminating TLS (infra/nginx.conf sets X-Forwarded-Proto): trust that header to tell
# https requests apart. Only when the app is reachable through the proxy alone: a client talking to
# the app directly could send the header itself.
if env_bool("HALL_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The portal and every workspace (<code>.HALL_DOMAIN) post forms to themselves; a form's Origin is
# one of these.
CSRF_TRUSTED_ORIGINS = [f"{HALL_SCHEME}://{HALL_DOMAIN}", f"{HALL_SCHEME}://*.{HALL_DOMAIN}"]
# HSTS on https: workspaces are subdomains of the portal, so the policy covers them too.
SECURE_HSTS_SECONDS = env_int(
    "HALL_HSTS_SECONDS", 31_536_000 if HALL_SCHEME == "https" else 0, minimum=0, maximum=63_072_000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("HALL_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("HALL_SSL_REDIRECT", False)
# Content-Security-Policy (django-csp 4): scripts and styles from the hall's own static files only,
# no inline script, style or event handler anywhere.
_HALL_ORIGINS = [f"{HALL_SCHEME}://{HALL_DOMAIN}:*", f"{HALL_SCHEME}://*.{HALL_DOMAIN}:*"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # allauth's TOTP set-up page shows its QR code as a data: URI
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Signing in on the portal may continue on a workspace host, and back.
        "form-action": ["'self'", *_HALL_ORIGINS],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Surfaces and sessions -----------------------------------------------------------------------
# Internet/intranet separation (内外网物理隔离) for sessions: each surface has its own session and
# CSRF cookies, and every session records the surface it was made on; one shown to the other
# surface is flushed (tenants.sessions). Staff sessions are short: an absolute limit counted from
# sign-in and an idle limit; citizens keep Django's default (SESSION_COOKIE_AGE, two weeks).
HALL_SESSION_COOKIE_NAMES = {"portal": "hall_portal_session", "staff": "hall_staff_session"}
HALL_CSRF_COOKIE_NAMES = {"portal": "hall_portal_csrftoken", "staff": "hall_staff_csrftoken"}
HALL_STAFF_SESSION_SECONDS = env_int("HALL_STAFF_SESSION_SECONDS", 8 * 3600, minimum=300, maximum=7 * 86400)
HALL_STAFF_SESSION_IDLE_SECONDS = env_int(
    "HALL_STAFF_SESSION_IDLE_SECONDS", 30 * 60, minimum=60, maximum=86400
)
if HALL_STAFF_SESSION_IDLE_SECONDS > HALL_STAFF_SESSION_SECONDS:
    raise ImproperlyConfigured(
        f"HALL_STAFF_SESSION_IDLE_SECONDS={HALL_STAFF_SESSION_IDLE_SECONDS} is longer than "
        f"HALL_STAFF_SESSION_SECONDS={HALL_STAFF_SESSION_SECONDS}: the idle limit must not exceed the "
        "absolute one."
    )
_SURFACE_MIDDLEWARE = {
    "django.contrib.sessions.middleware.SessionMiddleware": "tenants.sessions.SurfaceSessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware": "tenants.sessions.SurfaceCsrfViewMiddleware",
}
MIDDLEWARE = [_SURFACE_MIDDLEWARE.get(name, name) for name in MIDDLEWARE]
# Staff cannot sign in through the portal: accounts.adapters.HallAccountAdapter (ACCOUNT_ADAPTER above)
# asks accounts.surfaces.staff_sign_in_refusal.
