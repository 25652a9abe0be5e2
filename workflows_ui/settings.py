"""Settings for workflows_ui, all read from the environment (see README "Configuration").

Defaults give the embedded mode: SQLite, the in-process thread executor and an in-memory channel layer.
An invalid value stops start-up with an ImproperlyConfigured error naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from workflows_ui.env import env_bool, env_choice, env_list, env_number, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("WORKFLOWS_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set (a development default is used only with DEBUG=1)")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "channels",
    "executions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "executions.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "workflows_ui.urls"
WSGI_APPLICATION = "workflows_ui.wsgi.application"
ASGI_APPLICATION = "workflows_ui.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str) -> dict:
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a sqlite:// or postgres:// URL, got scheme {scheme!r}")
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is invalid: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two writers
        # queue on busy_timeout instead of failing with "database is locked" when a read lock upgrades.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    else:
        config.update(_postgres_options())
    return config


def _postgres_options() -> dict:
    """psycopg 3 with Django's connection pool (one pool per process), or plain connections behind PgBouncer.

    A pooled connection is handed back on `close()`: Django closes at the end of each request (ASGI included),
    Channels' `database_sync_to_async` around each call, and every engine job and heartbeat with
    `close_old_connections`, so nothing is held between units of work. Health checks make the pool test a
    connection before lending it, so a restarted database costs a reconnect, not a failed request.
    """
    options: dict = {}
    if env_bool("DATABASE_POOL", True):
        options["pool"] = {
            "min_size": env_number("DATABASE_POOL_MIN_SIZE", 1, int, minimum=0),
            "max_size": env_number("DATABASE_POOL_MAX_SIZE", 20, int, minimum=1),
            # Seconds a request waits for a free connection before failing (PoolTimeout).
            "timeout": env_number("DATABASE_POOL_TIMEOUT", 10.0, float, minimum=0.1),
        }
        if options["pool"]["min_size"] > options["pool"]["max_size"]:
            raise ImproperlyConfigured("DATABASE_POOL_MIN_SIZE must not exceed DATABASE_POOL_MAX_SIZE")
    return {"OPTIONS": options, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": True}


DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "executions:overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
# Served by WhiteNoise from the finders, so the embedded mode needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Channels -----------------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if urlparse(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, got {REDIS_URL!r}")
    # Every web process subscribes its sockets' groups here and every process that commits publishes here, so
    # an update made by any worker reaches every browser on any web process. The capacity covers a burst of
    # updates to one socket's channel (consumers coalesce them); past it, messages to that socket are dropped
    # and the page catches up on the next one.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # A receive blocks in BZPOPMIN for 5 s (channels_redis); redis-py 8 also times socket reads out
                # after 5 s by default, so an idle socket's receive would fail half the time: read timeout
                # above the blocking time, and a short connect timeout (Redis down: fail fast, see broadcast).
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 2}],
                "capacity": env_number("WORKFLOWS_CHANNEL_CAPACITY", 1000, int, minimum=10),
                "prefix": env_str("WORKFLOWS_CHANNEL_PREFIX", "asgi"),
            },
        }
    }
else:
    # Channels' in-memory layer, made safe for the engine threads that broadcast (executions/channel_layer.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "executions.channel_layer.InProcessChannelLayer"}}

# --- REST framework -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "executions.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "executions.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "executions.api.schema.ApiAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "executions.api.throttling.UserRateThrottle",
        "executions.api.throttling.AnonRateThrottle",
    ],
    # Filled from the environment in "API schema and throttling" at the end of this file.
    "DEFAULT_THROTTLE_RATES": {},
}

# --- The engine -----------------------------------------------------------------------------------------------
# thread: a pool inside the serving process (embedded default); inline: run in the caller after commit
# (tests, scripts); celery: Celery workers (scale-out).
WORKFLOWS_EXECUTOR = env_choice("WORKFLOWS_EXECUTOR", "thread", ("thread", "inline", "celery"))
WORKFLOWS_THREADS = env_number("WORKFLOWS_THREADS", 8, int, minimum=1)
# Executions sharing a concurrency key that may run at once, unless their workflow sets its own limit; 0: no
# limit (executions/services/concurrency.py).
WORKFLOWS_CONCURRENCY_LIMIT = env_number("WORKFLOWS_CONCURRENCY_LIMIT", 0, int, minimum=0)
# Liveness files of the worker and scheduler loops, read by `manage.py healthcheck` (executions/health.py).
WORKFLOWS_HEARTBEAT_DIR = Path(env_str("WORKFLOWS_HEARTBEAT_DIR", str(DATA_DIR / "heartbeat")))
WORKFLOWS_SCHEDULER_INTERVAL = env_number("WORKFLOWS_SCHEDULER_INTERVAL", 0.5, float, minimum=0.01)
WORKFLOWS_LEASE_SECONDS = env_number("WORKFLOWS_LEASE_SECONDS", 30.0, float, minimum=1)
# How long a dispatched attempt (or begin) may wait to be picked up before the scheduler sends it again. An
# in-process pool picks work up at once; a message on a broker may wait behind a backlog, and re-sending it
# then only adds duplicates, so the celery executor waits longer by default.
WORKFLOWS_DISPATCH_LEASE_SECONDS = env_number(
    "WORKFLOWS_DISPATCH_LEASE_SECONDS",
    max(WORKFLOWS_LEASE_SECONDS, 120.0) if WORKFLOWS_EXECUTOR == "celery" else WORKFLOWS_LEASE_SECONDS,
    float,
    minimum=1,
)
WORKFLOWS_MAX_STEP_RUNS = env_number("WORKFLOWS_MAX_STEP_RUNS", 1000, int, minimum=1)
WORKFLOWS_MAX_DATA_BYTES = env_number("WORKFLOWS_MAX_DATA_BYTES", 2 * 1024 * 1024, int, minimum=1024)
WORKFLOWS_MAX_RETRIES = env_number("WORKFLOWS_MAX_RETRIES", 100, int, minimum=0)
WORKFLOWS_STEP_TIMEOUT_SECONDS = env_number("WORKFLOWS_STEP_TIMEOUT_SECONDS", 900.0, float, minimum=1)
WORKFLOWS_STEP_TOTAL_SECONDS = env_number("WORKFLOWS_STEP_TOTAL_SECONDS", 24 * 3600.0, float, minimum=1)
WORKFLOWS_EXECUTION_TIMEOUT_SECONDS = env_number("WORKFLOWS_EXECUTION_TIMEOUT_SECONDS", 48 * 3600, int, minimum=1)
WORKFLOWS_MAX_REQUEST_BYTES = env_number("WORKFLOWS_MAX_REQUEST_BYTES", 4 * 1024 * 1024, int, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = WORKFLOWS_MAX_REQUEST_BYTES
# Registered Python functions for functionCall steps: {"function id": "dotted.path.to.callable"}.
WORKFLOWS_FUNCTIONS: dict[str, str] = {}
WORKFLOWS_FUNCTION_MODULES = env_list("WORKFLOWS_FUNCTION_MODULES", ["executions.demo_functions"])

# --- Celery (WORKFLOWS_EXECUTOR=celery; workflows_ui/celery.py, executions/tasks.py, docs/scale-out.md) ------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
if WORKFLOWS_EXECUTOR == "celery" and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("WORKFLOWS_EXECUTOR=celery needs CELERY_BROKER_URL (or REDIS_URL) for the broker")
if CELERY_BROKER_URL and urlparse(CELERY_BROKER_URL).scheme not in {"redis", "rediss", "amqp", "amqps", "pyamqp"}:
    raise ImproperlyConfigured(f"CELERY_BROKER_URL must be a redis:// or amqp:// URL, got {CELERY_BROKER_URL!r}")
CELERY_TASK_DEFAULT_QUEUE = "default"  # the default `queue_name` of workflows
# A task is acknowledged after it ran, and given back to the broker if its worker process dies: with the
# scheduler re-sending attempts whose lease expired, a worker's death loses nothing either way.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens after commit, in the request (or worker) that committed: when the broker is down, give up
# within seconds and let the scheduler resend, rather than hold the request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# Steps are mostly I/O (HTTP calls): threads by default, WORKFLOWS_THREADS of them per worker process. With
# prefork (`--pool prefork`), Celery's Django fixup closes the database pool after every task; see the docs.
CELERY_WORKER_POOL = env_choice("CELERY_WORKER_POOL", "threads", ("threads", "prefork", "solo"))
CELERY_WORKER_CONCURRENCY = WORKFLOWS_THREADS

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}

# --- httpCall steps (executions/steps/http_call.py, executions/steps/ssrf.py) ------------------------------
# Host names and CIDRs that bypass the SSRF guard (loopback, private, link-local, metadata, ... addresses),
# comma-separated: "10.1.0.0/16,127.0.0.1,internal-api.example.com".
# A host name admits whatever it resolves to.
from ipaddress import ip_network  # noqa: E402 - kept with the only setting that needs it

WORKFLOWS_HTTP_ALLOW = env_list("WORKFLOWS_HTTP_ALLOW", [])
for _entry in WORKFLOWS_HTTP_ALLOW:
    # Anything CIDR-shaped must parse: a typo must not silently turn into a host name that never matches.
    if "/" in _entry or ":" in _entry or _entry.replace(".", "").isdigit():
        try:
            ip_network(_entry.strip("[]"), strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"WORKFLOWS_HTTP_ALLOW has an invalid CIDR {_entry!r}") from None
WORKFLOWS_HTTP_MAX_RESPONSE_BYTES = env_number("WORKFLOWS_HTTP_MAX_RESPONSE_BYTES", 2 * 1024 * 1024, int, minimum=1024)
WORKFLOWS_HTTP_MAX_REDIRECTS = env_number("WORKFLOWS_HTTP_MAX_REDIRECTS", 5, int, minimum=0)
WORKFLOWS_HTTP_CONNECT_TIMEOUT = env_number("WORKFLOWS_HTTP_CONNECT_TIMEOUT", 10.0, float, minimum=0.1)
# httpx logs every request URL at INFO, query string included: API keys passed in URLs would reach the logs.
LOGGING.setdefault("loggers", {})["httpx"] = {"level": "WARNING"}

# --- API schema and throttling (executions/api/schema.py, executions/api/throttling.py) ---------------------
import re as _re  # noqa: E402 - kept with the only settings that need it


def _rate(name: str, default: str) -> str | None:
    """A DRF rate like "600/min" (per s, min, hour or day); "off" (or empty) turns that throttle off."""
    value = env_str(name, default).strip().lower()
    if value in {"", "off", "none"}:
        return None
    if not _re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(
            f"{name} must be a rate like 600/min (per s, min, hour or day) or off, got {value!r}"
        )
    return value


REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    # Every request made with a token (each token counts apart) or by a logged-in user.
    "user": _rate("WORKFLOWS_API_RATE", "600/min"),
    # Starting executions (a batch counts once), on top of the general rate.
    "start": _rate("WORKFLOWS_API_START_RATE", "120/min"),
    # Requests without valid credentials, per client IP.
    "anon": _rate("WORKFLOWS_API_ANON_RATE", "60/min"),
}
# The client IP for the anonymous rate is the last X-Forwarded-For hop added by this many trusted proxies.
_proxies = env_number("WORKFLOWS_API_TRUSTED_PROXIES", 0, int, minimum=0)
if _proxies:
    REST_FRAMEWORK["NUM_PROXIES"] = _proxies

SPECTACULAR_SETTINGS = {
    "TITLE": "workflows_ui API",
    "DESCRIPTION": (
        "The native API under /api/v1/: workflows (YaWL specifications, revisions), executions (start, batch "
        "start, stop, terminate, pause, resume, retry, history), the audit trail and API tokens; every error is "
        '`{"error": {"code", "message", "details"}}`. The Yandex Workflows-compatible REST API under '
        "/workflows/v1/ (tags Yandex ExecutionService and Yandex WorkflowService): proto3 JSON, every error a "
        "google.rpc.Status `{code, message, details}`. Both take `Authorization: Bearer <API token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its pages are public (they describe the API, they hold no data) so Swagger UI loads
    # without a login; its "Authorize" button takes a token for trying calls.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": False,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "PREPROCESSING_HOOKS": ["executions.api.schema.api_endpoints_only"],
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # In this order in Swagger UI and ReDoc.
    "TAGS": [
        {"name": "workflows", "description": "Workflows and their revisions (native API)"},
        {"name": "executions", "description": "Executions, their history and actions (native API)"},
        {"name": "audit", "description": "The audit trail (native API)"},
        {"name": "tokens", "description": "API tokens (native API)"},
        {"name": "Yandex ExecutionService", "description": "yandex.cloud.serverless.workflows.v1.ExecutionService"},
        {"name": "Yandex WorkflowService", "description": "yandex.cloud.serverless.workflows.v1.WorkflowService"},
    ],
    # Served from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- gRPC API (executions/grpc, manage.py run_grpc) -- begin -------------------------------------------------
# The address run_grpc listens on unless --bind says otherwise; the size of its pool of call threads.
WORKFLOWS_GRPC_BIND = env_str("WORKFLOWS_GRPC_BIND", "127.0.0.1:50051")
WORKFLOWS_GRPC_THREADS = env_number("WORKFLOWS_GRPC_THREADS", 16, int, minimum=1)
# TLS: paths of a PEM certificate chain and its private key, both or neither (neither: plaintext, for loopback
# or behind a TLS-terminating proxy).
WORKFLOWS_GRPC_TLS_CERT = env_str("WORKFLOWS_GRPC_TLS_CERT")
WORKFLOWS_GRPC_TLS_KEY = env_str("WORKFLOWS_GRPC_TLS_KEY")
if bool(WORKFLOWS_GRPC_TLS_CERT) != bool(WORKFLOWS_GRPC_TLS_KEY):
    raise ImproperlyConfigured("WORKFLOWS_GRPC_TLS_CERT and WORKFLOWS_GRPC_TLS_KEY must be set together")
# The public base URL of the HTTP service (https://workflows.example.com). gRPC has no HTTP host to build a
# workflow's `executionUrl` (its Start by link address) from: without this setting gRPC leaves the field out.
WORKFLOWS_PUBLIC_URL = env_str("WORKFLOWS_PUBLIC_URL").rstrip("/")
if WORKFLOWS_PUBLIC_URL and urlparse(WORKFLOWS_PUBLIC_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"WORKFLOWS_PUBLIC_URL must be an http(s):// URL, got {WORKFLOWS_PUBLIC_URL!r}")
# --- gRPC API -- end -----------------------------------------------------------------------------------------
