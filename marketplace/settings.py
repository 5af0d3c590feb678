"""Settings for the technology market service, read from the environment.

Every value that differs between machines comes from an environment variable (see README.md,
"Settings"). Production is the default: ``DEBUG`` is off unless asked for, and then
``SECRET_KEY`` must be given or start-up fails.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from marketplace.log_format import JSON_FIELDS, JSON_RENAMES, TEXT_FORMAT

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV", default=False):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# A secret key is never a literal default: in debug a random one is made per process start
# unless DJANGO_SECRET_KEY is set; outside debug its absence stops the service.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "django_guid",
    "rest_framework",
    # Not for models: an installed app's locale/ is what Django reads, so simplejwt's messages ("No active
    # account found …", "Given token not valid …") are only in Chinese with the app itself installed.
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "apps.core",
    "apps.accounts",
    "apps.reference",
    "apps.organizations",
    "apps.markets",
    "apps.notifications",
    "apps.webhooks",
    "apps.ip",
    "apps.listings",
    "apps.challenges",
    "apps.custody",
    "apps.matching",
    "apps.alerts",
    "apps.stats",
    "apps.brokers",
    "apps.deals",
    "apps.negotiation",
    "apps.contracts",
    "apps.finance",
    "apps.experts",
    "apps.events",
    "apps.trading",
    "apps.settlement",
    "apps.subsidies",
    "apps.demo",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    # Requests by route, method and status, with latency, for /metrics (apps.core.metrics); outermost but one.
    "apps.core.metrics.MetricsMiddleware",
    # The client's address from X-Forwarded-For, only behind TRUSTED_PROXIES; before anything reads it.
    "apps.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # After CORS, so a browser app can read its 414 problem document.
    "apps.core.limits.UrlLengthLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Django's own error pages (DEBUG's technical 404 too) become problem documents outside admin/dashboard.
    "apps.core.middleware.ProblemResponseMiddleware",
    # A 201 without Location gets one: where the created record is read (apps.core.middleware).
    "apps.core.middleware.CreatedLocationMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Trigger-based history (django-pghistory): records the acting user and URL with every tracked change.
    # DRF authenticates in the view; the middleware's request class re-reads request.user when DRF sets it,
    # so JWT and API-key callers land in the history context too. apps.core.history explains the subclass.
    "apps.core.history.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # RateLimit / RateLimit-Policy from what the API's throttles counted (apps.core.ratelimit).
    "apps.core.ratelimit.RateLimitHeadersMiddleware",
    # Innermost: its process_exception sees the view's exception first (PostgreSQL down → 503).
    "apps.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "marketplace" / "templates"],
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

# --- Data stores -----------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/marketplace")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
# Session settings sent at connect. JIT compilation and parallel workers pay off for long analytical
# queries, not for the short indexed reads of an API: JIT adds tens of milliseconds to any query the
# planner misjudges as large, and parallel workers take cores that concurrent requests need (the
# listings benchmark saw a search fan out to three processes on a 2-core machine under load). A task
# that wants them sets them for itself. Empty the variable behind a pooler that refuses startup options.
# work_mem: bitmaps of a common word and a filter (a few hundred thousand rows each) stay exact instead
# of going lossy and rechecking every row of their pages (the benchmark saw 99,000 rechecks).
_DB_SESSION_DEFAULT = "-c jit=off -c max_parallel_workers_per_gather=0 -c work_mem=16MB"
if _db_session_options := env.str("DATABASE_SESSION_OPTIONS", default=_DB_SESSION_DEFAULT):
    DATABASES["default"]["OPTIONS"]["options"] = _db_session_options
# A streaming replica for reports and exports (apps.core.replica; deploy/README.md, "Read replica"): the
# handlers marked reads_from_replica read there while it is at most DATABASE_REPLICA_MAX_LAG_SECONDS behind,
# else from the primary. Its state is measured at most every DATABASE_REPLICA_CHECK_SECONDS per process; a
# replica that does not answer within DATABASE_REPLICA_CONNECT_TIMEOUT counts as down. Under the test runner
# the alias mirrors the test database (no reads are routed then).
if _replica_url := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(_replica_url)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        **DATABASES["replica"].get("OPTIONS", {}),
        "connect_timeout": env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2),
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["apps.core.replica.ReadReplicaRouter"]
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "apps.core.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="marketplace"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis (the default) or RabbitMQ (production: CELERY_BROKER_URL=amqp://user:password@host:5672/vhost);
# the result backend stays Redis. Late acknowledgement with either: a task whose worker dies goes back
# to the queue (see marketplace/celery.py for how soon, per broker).
# The longest hard time limit of any task (stats.recompute); the worker refuses to start if a registered
# task exceeds it, and tests/core/test_celery_settings.py keeps it equal to the longest one.
CELERY_LONGEST_TASK_SECONDS = 4 * 3600
# How long past a hard time limit a message may still be held by the worker that got it (the limit
# kills the child; acknowledging or rejecting follows within seconds).
CELERY_REDELIVERY_MARGIN_SECONDS = 300
# RabbitMQ's consumer_timeout (rabbitmq.conf, milliseconds there; 30 min by default), in seconds: tasks
# whose time limit does not fit under it are acknowledged on receipt under RabbitMQ (marketplace/celery.py).
CELERY_BROKER_CONSUMER_TIMEOUT = env.int("CELERY_BROKER_CONSUMER_TIMEOUT", default=1800)
if CELERY_BROKER_URL.split("://", 1)[0].lower() in {"amqp", "amqps", "pyamqp"}:
    # The publisher waits for RabbitMQ to confirm each message: an effect counts as handed over only
    # when the broker has it. (visibility_timeout means nothing to RabbitMQ: it redelivers when the
    # dead worker's connection closes.)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"confirm_publish": True}
else:
    # Redis hands an unacknowledged message out again after this long: longer than any task may run,
    # or a long task still running would be started a second time.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_LONGEST_TASK_SECONDS + CELERY_REDELIVERY_MARGIN_SECONDS
    }
# Durable named effects (apps.core.effects): a pending effect not done this long after its hand-over is
# handed over again (the delay doubles with each hand-over, up to the maximum); after this many
# failed runs it is marked failed and the operator is told.
EFFECTS_HANDOVER_SECONDS = env.int("EFFECTS_HANDOVER_SECONDS", default=120)
EFFECTS_HANDOVER_MAX_SECONDS = env.int("EFFECTS_HANDOVER_MAX_SECONDS", default=3600)
EFFECTS_MAX_ATTEMPTS = env.int("EFFECTS_MAX_ATTEMPTS", default=8)
EFFECTS_RETENTION_DAYS = env.int("EFFECTS_RETENTION_DAYS", default=14)
# The changes feed (GET /api/v1/changes): entries older than this are purged; older cursors get 410.
CHANGES_RETENTION_DAYS = env.int("CHANGES_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)
# One beat schedules at a time, whoever starts how many: the one holding a PostgreSQL advisory lock
# (marketplace/beat.py); the others check every BEAT_LOCK_CHECK_SECONDS and take over when it dies.
CELERY_BEAT_SCHEDULER = "marketplace.beat:LockedScheduler"
BEAT_LOCK_CHECK_SECONDS = env.float("BEAT_LOCK_CHECK_SECONDS", default=5.0)
CELERY_BEAT_SCHEDULE = {
    # Shortly after midnight (Asia/Shanghai): listings past their date leave the market.
    "listings-expire": {"task": "listings.expire", "schedule": crontab(hour=0, minute=10)},
    # After midnight: custody agreements past their end date end; early morning: annuity reminders to owners
    # and custodians (Asia/Shanghai).
    "custody.expire_agreements": {"task": "custody.expire_agreements", "schedule": crontab(hour=0, minute=20)},
    "custody.remind_annuities": {"task": "custody.remind_annuities", "schedule": crontab(hour=6, minute=30)},
    # Nightly (Asia/Shanghai): rebuild the match index from scratch, compare with the incremental state.
    "matching-rebuild": {"task": "matching.rebuild", "schedule": crontab(hour=2, minute=30)},
    # Nightly (Asia/Shanghai): recompute the statistics from scratch, compare with the incremental cells.
    "stats-recompute": {"task": "stats.recompute", "schedule": crontab(hour=3, minute=15)},
    # Every minute: effects lost on the way to a worker, or waiting to retry, are handed over again.
    "core-effects-sweep": {"task": "core.effects_sweep", "schedule": 60.0},
    # Nightly: done effects past EFFECTS_RETENTION_DAYS are deleted.
    "core-effects-purge": {"task": "core.effects_purge", "schedule": crontab(hour=4, minute=5)},
    # Nightly: changes-feed entries past CHANGES_RETENTION_DAYS are deleted (apps.core.changes).
    "core-changes-purge": {"task": "core.changes_purge", "schedule": crontab(hour=4, minute=20)},
    # Hourly: expired Idempotency-Keys are deleted (apps.core.idempotency).
    "core-idempotency-purge": {"task": "core.idempotency_purge", "schedule": crontab(minute=17)},
    # Every minute: webhook deliveries due for a retry whose message was lost are handed over again.
    "webhooks-sweep": {"task": "webhooks.sweep_deliveries", "schedule": 60.0},
    # Nightly: webhook events (and their delivery logs) past WEBHOOKS_LOG_RETENTION_DAYS are deleted.
    "webhooks-purge": {"task": "webhooks.purge", "schedule": crontab(hour=4, minute=25)},
    # Mornings (Asia/Shanghai): the operator hears of registration applications past their deadline.
    # Hourly: saved searches whose digest is due get it (apps.alerts; daily or weekly per search).
    "alerts-send-digests": {"task": "alerts.send_digests", "schedule": crontab(minute=40)},
    # Every minute: auctions past their end are closed (winner, results notice, deposits; apps.trading).
    "trading-close-auctions": {"task": "trading.close_auctions", "schedule": 60.0},
    "contracts-overdue-registrations": {
        "task": "contracts.notify_overdue_registrations",
        "schedule": crontab(hour=8, minute=30),
    },
}

# --- Webhooks (apps/webhooks, docs/webhooks.md) ---------------------------------------------
# Targets on private, loopback or link-local addresses (and plain http to them): tests and development only.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=DEBUG)
# Seconds to wait before each retry after a failed attempt; its length is the number of retries.
WEBHOOKS_RETRY_SCHEDULE_SECONDS = env.list(
    "WEBHOOKS_RETRY_SCHEDULE_SECONDS", cast=float, default=[5, 30, 120, 600, 1800, 7200, 21600, 43200]
)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
WEBHOOKS_RESPONSE_BODY_LIMIT = env.int("WEBHOOKS_RESPONSE_BODY_LIMIT", default=2048)
# A subscription is switched off after this many failed attempts in a row spanning at least this long.
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=30)
WEBHOOKS_DISABLE_AFTER_SECONDS = env.int("WEBHOOKS_DISABLE_AFTER_SECONDS", default=3 * 24 * 3600)
# After a rotation the previous secret keeps signing (beside the new one) this long by default.
WEBHOOKS_SECRET_GRACE_SECONDS = env.int("WEBHOOKS_SECRET_GRACE_SECONDS", default=24 * 3600)
# Documented to receivers: reject a delivery whose Webhook-Timestamp is further than this from now.
WEBHOOKS_REPLAY_WINDOW_SECONDS = 300
WEBHOOKS_LOG_RETENTION_DAYS = env.int("WEBHOOKS_LOG_RETENTION_DAYS", default=30)

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's, with its message in wording the zh_Hans catalogue translates (apps.accounts.password_validation).
    {"NAME": "apps.accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 would need another dependency; PBKDF2 is Django's vetted default.
PASSWORD_HASHERS = env.list(
    "DJANGO_PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)

# The e-mailed reset link; {uid} and {token} are filled in. Points at the web front end.
PASSWORD_RESET_URL = env.str(
    "PASSWORD_RESET_URL", default="http://127.0.0.1:8000/reset-password?uid={uid}&token={token}"
)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_OBTAIN_SERIALIZER": "apps.accounts.tokens.MarketTokenObtainPairSerializer",
}

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.MarketJWTAuthentication",
        "apps.accounts.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps.accounts.permissions.ApiKeyScopePermission",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.limits.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StandardCursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.accounts.throttles.AnonymousRateThrottle",
        "apps.accounts.throttles.SignedInRateThrottle",
    ],
    # DRF never reads X-Forwarded-For itself: REMOTE_ADDR is already the client (TrustedProxyMiddleware).
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "login_address": env.str("THROTTLE_LOGIN_ADDRESS", default="30/min"),
        "login_account": env.str("THROTTLE_LOGIN_ACCOUNT", default="10/min"),
        # An API key's rate unless the operator set the key its own (ApiKey.rate_limit_per_minute).
        "api_key": env.str("THROTTLE_API_KEY", default="1200/min"),
    },
    "EXCEPTION_HANDLER": "apps.core.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_PAGE_SIZE_MAX = 100
# Deprecated operations and parameters (apps.core.deprecation): dates per key, announced with the
# Deprecation, Sunset and Link headers; the policy and every entry are in docs/api-changelog.md.
API_CHANGELOG_URL = env.str("API_CHANGELOG_URL", default="/api/changelog")
API_DEPRECATIONS: dict[str, dict[str, str]] = {
    "api_key_scope": {"since": "2026-12-07", "sunset": "2027-06-30", "changelog": "deprecated-api-key-scope"},
}
# Throttles fail open while Redis is unavailable (apps.accounts.throttles): one warning per this many
# seconds, and Redis is not asked again for this many seconds after a failure.
THROTTLE_FAIL_OPEN_LOG_SECONDS = env.int("THROTTLE_FAIL_OPEN_LOG_SECONDS", default=60)
THROTTLE_FAIL_OPEN_RETRY_SECONDS = env.float("THROTTLE_FAIL_OPEN_RETRY_SECONDS", default=5.0)
# Proxies (CIDRs) whose X-Forwarded-For is believed; empty: the peer's own address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Request limits (answered with problem documents; listed in the schema description below). Gunicorn's
# limit_request_line (deploy/gunicorn.conf.py) must stay above API_URL_MAX_LENGTH.
API_URL_MAX_LENGTH = env.int("API_URL_MAX_LENGTH", default=4096)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=64)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 100

SPECTACULAR_SETTINGS = {
    "TITLE": "Liuzhou Technology Market API",
    "DESCRIPTION": (
        "科技大市场 — achievements, demands, challenges, matching, brokers and deals, IP custody and "
        "transaction statistics. Errors are RFC 9457 problem details with a machine `code`.\n\n"
        "**Request limits**, each refused with a problem document: a URL (path and query) over "
        f"{API_URL_MAX_LENGTH:,} bytes → 414 `uri_too_long`; more than "
        f"{DATA_UPLOAD_MAX_NUMBER_FIELDS:,} query or form fields → 400 `too_many_fields`; more than "
        f"{DATA_UPLOAD_MAX_NUMBER_FILES} files in one upload → 400 `too_many_files`; a JSON or form body "
        f"over {DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)} MB → 413 `request_too_large` (uploaded files "
        f"have their own per-endpoint limits); JSON nested more than {API_JSON_MAX_DEPTH} levels → 400 "
        f"`parse_error`; `page_size` at most {API_PAGE_SIZE_MAX}; an invalid pagination `cursor` → 400 "
        "`invalid_cursor`.\n\n"
        "**Integrators:** API keys hold scopes per resource family (see the `apiKeyAuth` scheme; each "
        "operation's `x-required-scope`); throttled responses carry `RateLimit` and `RateLimit-Policy` "
        "(draft-ietf-httpapi-ratelimit-headers); deprecated operations and parameters are marked "
        '`deprecated` and answer with `Deprecation`, `Sunset` and `Link: …; rel="deprecation"` headers; '
        "the changelog and deprecation policy are at `/api/changelog`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApiKeyScopeEnum": "apps.accounts.scopes.ALL_SCOPES",
        "StageEnum": "apps.listings.models.Stage",
        "DealStageEnum": "apps.deals.models.DealStage",
        "MatchStateEnum": "apps.matching.models.MatchState",
        "ContractTypeEnum": "apps.contracts.catalogue.ContractType",
        "FinanceProductKindEnum": "apps.finance.models.ProductKind",
        "ReviewKindEnum": "apps.experts.models.ReviewKind",
        "ReviewStatusEnum": "apps.experts.models.ReviewStatus",
        "EventKindEnum": "apps.events.models.EventKind",
        "MarketOperatorRoleEnum": "apps.markets.models.MarketOperatorRole",
        # The organisations' membership role keeps its name beside the market operators' role.
        "RoleEnum": "apps.organizations.models.MembershipRole",
        "SaleModeEnum": "apps.trading.models.SaleMode",
        # The challenges' mode keeps the name it had before trading's mode joined the schema.
        "ModeEnum": "apps.challenges.models.ChallengeMode",
        "ContractDocumentStatusEnum": "apps.contracts.models.ContractDocumentStatus",
        "ImplementationStageEnum": "apps.settlement.models.ImplementationStage",
        "ReportedStageEnum": "apps.settlement.models.REPORTED_STAGES",
        "PostingKindEnum": "apps.settlement.models.PostingKind",
        "BeneficiaryKindEnum": "apps.settlement.models.BeneficiaryKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.prefer_json_request_bodies",
        "apps.core.schema.add_problem_responses",
        "apps.core.deprecation.document_deprecations",
        "apps.accounts.schema.document_api_key_scopes",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
# A browser app reads versions (ETag), where a created record lives (Location), how long to wait (429/503
# Retry-After), whether a POST was replayed, and the request id; it sends If-Match and Idempotency-Key.
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Location",
    "Retry-After",
    "X-Request-ID",
    "Idempotent-Replayed",
    # the rate limits left (draft-ietf-httpapi-ratelimit-headers) and deprecation notices (RFC 9745, 8594)
    "RateLimit",
    "RateLimit-Policy",
    "Deprecation",
    "Sunset",
    "Link",
    # where a report or export was read (apps.core.replica)
    "X-Read-From",
]
CORS_ALLOW_HEADERS = (*cors_default_headers, "if-match", "if-none-match", "idempotency-key")

DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,
    "RETURN_HEADER": True,
    # False: django-guid would overwrite Access-Control-Expose-Headers with X-Request-ID alone;
    # CORS_EXPOSE_HEADERS lists it with the others.
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
    "UUID_LENGTH": 32,
}

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English")), ("vi", _("Vietnamese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files need `collectstatic` first; tests and debug serve from the apps.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "media/"

# --- Listings --------------------------------------------------------------------------------
# An achievement published without an expiry date stays up this many days.
LISTING_DEFAULT_VALIDITY_DAYS = env.int("LISTING_DEFAULT_VALIDITY_DAYS", default=365)
# Trading (apps/trading, docs/trading.md): the public notice (公示) of a listed sale, in days (the default
# for everyone, the minimum for universities and research institutes), and the auctions' anti-sniping
# window: a bid in the last N minutes moves the end to N minutes after it.
TRADING_NOTICE_DAYS = env.int("TRADING_NOTICE_DAYS", default=15)
TRADING_AUCTION_EXTENSION_MINUTES = env.int("TRADING_AUCTION_EXTENSION_MINUTES", default=5)
LISTING_ATTACHMENT_MAX_BYTES = env.int("LISTING_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
LISTING_ATTACHMENTS_MAX = env.int("LISTING_ATTACHMENTS_MAX", default=20)
# Bulk import through the API: the largest file and the most rows in one file. The API imports within
# the request, in one process (about 1,000 rows/s with segmentation), so a file must finish well inside
# GUNICORN_TIMEOUT; larger files go through the import_listings command, which uses every core.
LISTING_IMPORT_MAX_BYTES = env.int("LISTING_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
LISTING_IMPORT_MAX_ROWS = env.int("LISTING_IMPORT_MAX_ROWS", default=20_000)
# Listing files up to this many rows are imported within the request (the fast path, ~1,000 rows/s);
# larger ones, or any with background=true, by a worker as a job.
LISTING_IMPORT_INLINE_MAX_ROWS = env.int("LISTING_IMPORT_INLINE_MAX_ROWS", default=20_000)
LISTING_EXPORT_MAX_ROWS = env.int("LISTING_EXPORT_MAX_ROWS", default=100_000)
# Bulk import of contracts and IP assets (listings use LISTING_IMPORT_*): the largest file, the most rows,
# and the most rows imported within the request; a larger file (or background=true) runs as a job
# on a worker, for every resource, with progress at GET import-jobs/{id}.
BULK_IMPORT_MAX_BYTES = env.int("BULK_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
BULK_IMPORT_MAX_ROWS = env.int("BULK_IMPORT_MAX_ROWS", default=20_000)
BULK_IMPORT_INLINE_MAX_ROWS = env.int("BULK_IMPORT_INLINE_MAX_ROWS", default=200)
BULK_EXPORT_MAX_ROWS = env.int("BULK_EXPORT_MAX_ROWS", default=100_000)
# Search by relevance ranks this many of the newest matches (ten pages of 20); for common words the
# newest LISTING_SEARCH_SCAN_ROWS rows are read first (see apps.listings.selectors._rank_window).
LISTING_SEARCH_RANK_WINDOW = env.int("LISTING_SEARCH_RANK_WINDOW", default=200)
LISTING_SEARCH_SCAN_ROWS = env.int("LISTING_SEARCH_SCAN_ROWS", default=10_000)
LISTING_SEARCH_COVERING_WALK = env.bool("LISTING_SEARCH_COVERING_WALK", default=True)
# Anonymous list and search pages are shared through the cache for at most this many seconds, and only
# until the next write to listings or organisations (apps.listings.page_cache); 0 turns the cache off.
LISTING_PAGE_CACHE_SECONDS = env.int("LISTING_PAGE_CACHE_SECONDS", default=30)

# --- Challenges (apps.challenges) -------------------------------------------------------------
# A milestone can be reviewed from this many days before its review date (409 milestone_not_due before).
CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS = env.int("CHALLENGE_MILESTONE_REVIEW_EARLY_DAYS", default=14)

# --- Matching (apps.matching) ----------------------------------------------------------------
# Matches kept per listing, the lowest score stored, and the score from which the demand's organisation
# and the brokers following its field are notified (once per pair).
MATCHING_TOP_K = env.int("MATCHING_TOP_K", default=10)
MATCHING_MIN_SCORE = env.float("MATCHING_MIN_SCORE", default=0.2)
MATCHING_NOTIFY_MIN_SCORE = env.float("MATCHING_NOTIFY_MIN_SCORE", default=0.6)
# Index shards (listing id modulo N), each served by the workers consuming queue matching.shard.<i>;
# 1 = every worker serves the whole index. MATCHING_SHARD_TIMEOUT: seconds a caller waits for a gather.
MATCHING_SHARDS = env.int("MATCHING_SHARDS", default=1)
MATCHING_SHARD_TIMEOUT = env.int("MATCHING_SHARD_TIMEOUT", default=30)
# Every worker process syncs its in-memory index this often (seconds) and reports what it serves
# (apps.matching.serving; GET /api/v1/matching/index-status): idle replicas converge within it. 0: only
# when a matching task runs (and no report).
MATCHING_SYNC_SECONDS = env.float("MATCHING_SYNC_SECONDS", default=5.0)
# Listings per matching.index_listings task (a day's expiries are split into tasks of this size).
MATCHING_TASK_BATCH = env.int("MATCHING_TASK_BATCH", default=100)
# Days of index change log kept after a nightly rebuild (a worker further behind rebuilds its index).
MATCHING_CHANGE_LOG_RETENTION_DAYS = env.int("MATCHING_CHANGE_LOG_RETENTION_DAYS", default=7)
# The nightly rebuild compares with the index of a long-running matching worker: with shards, shard 0's.
CELERY_TASK_ROUTES = {"matching.rebuild": {"queue": "matching.shard.0" if MATCHING_SHARDS > 1 else "celery"}}

# --- Idempotency, history, deals (apps.core.idempotency, apps.deals) -------------------------
# A POST's Idempotency-Key is kept this long; a replay within it returns the first response.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# A claimed key whose request died without finishing is free again after this long (its work rolled back).
IDEMPOTENCY_LOCK_SECONDS = env.int("IDEMPOTENCY_LOCK_SECONDS", default=120)
# History (pghistory) groups the changes of one request under one context with the user and URL.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# --- Contracts and registration (apps.contracts) ---------------------------------------------
# Two parties a broker introduced who sign a contract without that broker within this many days of
# the introduction raise an alert to the broker and the operator.
CONTRACT_BYPASS_WINDOW_DAYS = env.int("CONTRACT_BYPASS_WINDOW_DAYS", default=365)
# Every date the API reads (bodies, query parameters) lies in this range (ISO dates, inclusive).
MARKET_DATE_MIN = env.str("MARKET_DATE_MIN", default="1949-10-01")
MARKET_DATE_MAX = env.str("MARKET_DATE_MAX", default="2100-12-31")
# The registering office's region code (GB/T 2260): the first six digits of the registration numbers
# the market issues itself (office code + year + 6-digit sequence = 16 digits).
CONTRACT_REGISTRATION_OFFICE_CODE = env.str("CONTRACT_REGISTRATION_OFFICE_CODE", default="450200")
# The TrueType font (or collection, its first face) embedded in contract documents rendered to PDF: it
# must cover simplified Chinese (Debian: fonts-wqy-microhei; `fc-list :lang=zh` lists candidates).
CONTRACT_PDF_FONT = env.str("CONTRACT_PDF_FONT", default="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# A negotiation message's attachments: at most this many per message.
NEGOTIATION_MAX_ATTACHMENTS = env.int("NEGOTIATION_MAX_ATTACHMENTS", default=5)

# --- Custody (知识产权托管) -------------------------------------------------------------------------
# Days before an annuity's due date when owner and custodian are reminded (then monthly through the grace
# period, and once when it lapses).
CUSTODY_REMINDER_OFFSETS_DAYS = env.list("CUSTODY_REMINDER_OFFSETS_DAYS", cast=int, default=[90, 30, 7])

# --- Demo data (apps.demo, load_demo_data) -----------------------------------------------------------
# Months of registered contracts behind the demo market (its statistics' history); 0 loads only the
# hand-made market. load_demo_data --history-months overrides it.
DEMO_HISTORY_MONTHS = env.int("DEMO_HISTORY_MONTHS", default=36)

# --- Expert pool (apps.experts) ---------------------------------------------------------------
# Registrations whose declared technology amount reaches this (yuan) may be given an expert review
# (the 30-working-day case of the registration rules).
EXPERT_REVIEW_THRESHOLD = env.int("EXPERT_REVIEW_THRESHOLD", default=5_000_000)
# An expert whose organisation had a contract or deal with a party within this many years is excluded (回避).
EXPERT_COLLABORATION_YEARS = env.int("EXPERT_COLLABORATION_YEARS", default=3)

# --- Transaction statistics (apps.stats) -----------------------------------------------------
# The market's home city (GB/T 2260): flows are city / province / other provinces … as seen from here.
STATS_HOME_REGION = env.str("STATS_HOME_REGION", default="450200")
# The nightly recompute first folds contracts whose events or payments are younger than this (their
# fold tasks may still be queued), so only folds lost for longer count as differences.
STATS_RECOMPUTE_GRACE_MINUTES = env.int("STATS_RECOMPUTE_GRACE_MINUTES", default=10)
# work_mem for the recompute's transaction (hash aggregates over every contract).
STATS_RECOMPUTE_WORK_MEM = env.str("STATS_RECOMPUTE_WORK_MEM", default="256MB")
# Folds commit without waiting for the WAL flush (the cells are derived; the nightly recompute repairs
# folds a database crash lost). Set to false to make every fold durable on commit.
STATS_FOLD_ASYNC_COMMIT = env.bool("STATS_FOLD_ASYNC_COMMIT", default=True)
# Open data (GET open-data/…): amounts of a cell with fewer contracts are withheld; seconds the figures
# are kept in Redis, and clients and proxies may keep them.
OPEN_DATA_MIN_CONTRACTS = env.int("OPEN_DATA_MIN_CONTRACTS", default=3)
OPEN_DATA_CACHE_SECONDS = env.int("OPEN_DATA_CACHE_SECONDS", default=300)
OPEN_DATA_MAX_AGE_SECONDS = env.int("OPEN_DATA_MAX_AGE_SECONDS", default=300)

# --- Saved searches and alerts (apps.alerts) -------------------------------------------------
# Saved searches per user; items in one digest (the rest are counted, not listed).
ALERTS_MAX_SAVED_SEARCHES = env.int("ALERTS_MAX_SAVED_SEARCHES", default=20)
ALERTS_DIGEST_MAX_ITEMS = env.int("ALERTS_DIGEST_MAX_ITEMS", default=50)

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="科技大市场 <noreply@example.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A sender's lease on one notification e-mail: a run that died mid-send is taken over after this long.
NOTIFICATION_EMAIL_LEASE_SECONDS = env.int("NOTIFICATION_EMAIL_LEASE_SECONDS", default=300)
# Seconds an SMTP connection may block (Django's default is forever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Security --------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Logging ---------------------------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOG_TEXT_FORMAT, LOG_JSON_FIELDS, LOG_JSON_RENAMES = TEXT_FORMAT, JSON_FIELDS, JSON_RENAMES
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "correlation_id": {"()": "django_guid.log_filters.CorrelationId"},
        "celery_tracing": {"()": "django_guid.integrations.celery.log_filters.CeleryTracing"},
        "as_warning": {"()": "apps.core.log_filters.AsWarning"},
    },
    # Every line stamped in UTC, ISO 8601 with milliseconds and offset (2026-12-07T20:00:53.123+00:00),
    # in Django, gunicorn, the Celery worker and beat and the dev launcher alike (marketplace/log_format.py).
    "formatters": {
        "json": {
            "()": "marketplace.log_format.JSONFormatter",
            "fmt": LOG_JSON_FIELDS,
            "rename_fields": LOG_JSON_RENAMES,
            "json_ensure_ascii": False,
        },
        "text": {"()": "marketplace.log_format.TextFormatter", "fmt": LOG_TEXT_FORMAT},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["correlation_id", "celery_tracing"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_guid": {"level": "WARNING"},
        # Font subsetting for contract PDFs logs every glyph at INFO.
        "fontTools": {"level": "WARNING"},
        # Refusals anyone can cause (answered 400/413 by apps.core.errors): Django logs them at ERROR.
        "django.security.TooManyFieldsSent": {"filters": ["as_warning"]},
        "django.security.TooManyFilesSent": {"filters": ["as_warning"]},
        "django.security.RequestDataTooBig": {"filters": ["as_warning"]},
    },
}

ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")

# --- Observability (deploy/README.md, "Metrics" and "Error tracking") ------------------------
# GET /metrics answers only with this bearer token (Prometheus' `authorization` credentials); unset, it is 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Errors and their traces go to Sentry (or a compatible service) only when a DSN is given; no personal data
# (send_default_pii off: no cookies, auth headers, user names or addresses).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from marketplace.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
        release=env.str("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
