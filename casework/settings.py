"""Casework settings: one module, every value from the environment.

``CASEWORK_ENV`` picks the mode. ``development`` (the default) is the embedded machine: SQLite
under ``var/``, in-memory channel layer, local-memory cache, console email, secrets generated
once into ``var/``. ``production`` refuses to start without its secrets and turns on every
transport protection. Each variable is listed in the README's configuration table.
"""

import os
import re
import secrets
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from casework.environment import (
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_secret,
    env_str,
)
from casework.shell.logs import configure_structlog
from casework.shell.logs import formatter as log_formatter

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CASEWORK_VAR_DIR", str(BASE_DIR / "var")))

CASEWORK_ENV = env_str("CASEWORK_ENV", "development")
if CASEWORK_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("CASEWORK_ENV must be 'development' or 'production'.")
PRODUCTION = CASEWORK_ENV == "production"


def _development_secret(name: str, size: int) -> str:
    """A random secret kept in var/ so that sessions and keys survive restarts in development.

    Several web workers start at once on a fresh machine; each must end up with the same secret,
    and none may read a half-written file. The secret is written whole under a private name and
    linked into place, which fails when another process got there first: its secret is kept.
    """
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        draft = VAR_DIR / f".{name}.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(size), encoding="utf-8")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()


if PRODUCTION:
    SECRET_KEY = env_secret("SECRET_KEY", required=True)
    # The vault's key encryption key wraps every data key (messages, notes, signing keys).
    VAULT_KEY = env_secret("CASEWORK_VAULT_KEY", required=True)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
    DATABASE_URL = env_secret("DATABASE_URL", required=True)
    DEBUG = False
else:
    SECRET_KEY = env_secret("SECRET_KEY", required=False) or _development_secret(
        "development-secret-key", 50
    )
    VAULT_KEY = env_secret("CASEWORK_VAULT_KEY", required=False) or _development_secret(
        "development-vault-key", 32
    )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
    DATABASE_URL = env_secret("DATABASE_URL", required=False) or (
        f"sqlite:///{VAR_DIR / 'casework.sqlite3'}"
    )
    DEBUG = env_bool("DEBUG", default=False)

# The audit log's seals are keyed with their own secret (HMAC-SHA256): someone who can write the
# database but does not hold it cannot re-seal a changed event. Never the vault's key.
if PRODUCTION:
    AUDIT_KEY = env_secret("CASEWORK_AUDIT_KEY", required=True)
    if len(AUDIT_KEY) < 32 or AUDIT_KEY == VAULT_KEY:
        raise ImproperlyConfigured(
            "CASEWORK_AUDIT_KEY must be at least 32 characters and differ from "
            "CASEWORK_VAULT_KEY (e.g. `openssl rand -base64 33`)."
        )
else:
    AUDIT_KEY = env_secret("CASEWORK_AUDIT_KEY", required=False) or _development_secret(
        "development-audit-key", 32
    )
# Where the newest seal is anchored every hour, out of the application's reach: a file the
# application may only append to (see the README), or NullAnchor to keep no anchor.
AUDIT_ANCHOR = env_str("CASEWORK_AUDIT_ANCHOR", "casework.privacy.anchors.AppendOnlyFileAnchor")
AUDIT_ANCHOR_FILE = Path(
    env_str("CASEWORK_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.jsonl"))
)

# Former vault keys, separated by commas or lines: they still unwrap data keys (and read secrets
# sealed before the vault) but never wrap. Kept only until `manage.py rotate_vault_kek` has run.
VAULT_RETIRED_KEYS = [
    key.strip()
    for key in env_secret("CASEWORK_VAULT_RETIRED_KEYS", required=False)
    .replace("\n", ",")
    .split(",")
    if key.strip()
]
# Where key encryption keys live: the local implementation derives them from the keys above.
VAULT_KEY_SERVICE = env_str(
    "CASEWORK_VAULT_KEY_SERVICE", "casework.vault.key_service.LocalKeyService"
)

SITE_URL = env_str("CASEWORK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The product's name where a library asks for one: account emails, the TOTP issuer, subjects.
PRODUCT_NAME = "Casework"
# Hours before an appointment at which its reminders go out (email; no detail beyond the time).
try:
    BOOKING_REMINDER_OFFSETS = tuple(
        timedelta(hours=float(hours))
        for hours in env_list("CASEWORK_BOOKING_REMINDER_HOURS", ["24", "1"])
    )
except ValueError as error:
    raise ImproperlyConfigured(
        "CASEWORK_BOOKING_REMINDER_HOURS takes hours separated by commas, e.g. 24,1."
    ) from error
# Websockets are served by the ASGI process. Empty means "same origin as the page" (a reverse
# proxy routes /ws/ to it); `make run` points pages at the ASGI port instead.
LIVE_URL = env_str("CASEWORK_LIVE_URL", "").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Video sessions (casework/video): the join page opens this many minutes before an appointment
# and stays open until its end plus the grace period. STUN and TURN servers are handed to the
# browser; TURN credentials are made per person and session with the coturn REST-API scheme
# (a secret shared with coturn's ``static-auth-secret``) and last at most the TTL.
VIDEO_OPENS_MINUTES_BEFORE = env_int("CASEWORK_VIDEO_OPENS_MINUTES_BEFORE", 15, minimum=0)
VIDEO_GRACE_MINUTES = env_int("CASEWORK_VIDEO_GRACE_MINUTES", 15, minimum=0)
VIDEO_STUN_URLS = env_list("CASEWORK_STUN_URLS")
VIDEO_TURN_URLS = env_list("CASEWORK_TURN_URLS")
VIDEO_TURN_SECRET = env_secret("CASEWORK_TURN_SECRET", required=False)
VIDEO_TURN_TTL_SECONDS = env_int("CASEWORK_TURN_TTL_SECONDS", 3600, minimum=60)
if VIDEO_TURN_URLS and not VIDEO_TURN_SECRET:
    raise ImproperlyConfigured("CASEWORK_TURN_URLS needs CASEWORK_TURN_SECRET (coturn's secret).")

INSTALLED_APPS = [
    "casework.shell",  # the site shell first: its templates override the libraries'
    "casework.accounts",
    "casework.privacy",
    "casework.registry",
    "casework.vault",
    "casework.directory",
    "casework.scheduling",
    "casework.messaging",
    "casework.safety",
    "casework.care",
    "casework.video",
    "casework.community",
    "casework.events",
    "casework.oversight",
    "casework.complaints",
    "casework.demo",
    "casework.shell.apps.CaseworkAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "channels",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "ninja",  # the API docs page (/api/v1/docs) with its own assets, not a CDN's
]

MIDDLEWARE = [
    "casework.shell.metrics.RequestMetricsMiddleware",  # first: it times every answer
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (static files come compressed from WhiteNoise). BREACH: Django pads each
    # gzip stream with up to 100 random bytes (GZipMiddleware.max_random_bytes, "Heal the
    # Breach") and masks the CSRF token anew in every response; no secret rides in a URL.
    "django.middleware.gzip.GZipMiddleware",
    "casework.privacy.middleware.RequestIdMiddleware",
    "casework.shell.logs.RequestLogMiddleware",  # after the request id: its line carries it
    "casework.privacy.middleware.NoStoreMiddleware",
    "casework.problems.ApiErrorsMiddleware",  # under /api/: every failure in one JSON shape
    "casework.shell.middleware.OutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "casework.accounts.middleware.StaffSessionPolicyMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's UserSessionsMiddleware, writing the session's record at most once a minute.
    "casework.accounts.middleware.SessionActivityMiddleware",
    "casework.accounts.middleware.StaffMFARequiredMiddleware",
    "casework.accounts.middleware.PersonPreferencesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "casework.shell.middleware.PermissionsPolicyMiddleware",
]

ROOT_URLCONF = "casework.urls"
WSGI_APPLICATION = "casework.wsgi.application"
ASGI_APPLICATION = "casework.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "casework.shell.context_processors.shell",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue for the lock at BEGIN instead of failing half-way through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# How long anything waits on PostgreSQL, in seconds (0: no limit). An outage then answers 503
# in a few seconds instead of holding every web thread for as long as it lasts.
DATABASE_CONNECT_TIMEOUT = env_int("CASEWORK_DB_CONNECT_TIMEOUT", 3, minimum=0)
# The server ends a statement that runs longer, or that waits longer for a lock.
DATABASE_STATEMENT_TIMEOUT = env_int("CASEWORK_DB_STATEMENT_TIMEOUT", 30, minimum=0)
DATABASE_LOCK_TIMEOUT = env_int("CASEWORK_DB_LOCK_TIMEOUT", 10, minimum=0)
# A web request waits at most this long for any one answer from the database, then answers
# 503 (a frozen server ends nothing itself: casework/shell/postgresql/base.py).
DATABASE_REQUEST_ANSWER_SECONDS = env_int("CASEWORK_DB_REQUEST_TIMEOUT", 4, minimum=0)
# Requests of one web process that may be inside at once (casework/shell/request_gate.py): two
# fewer than its threads, so that /healthz and quick 503s still find a thread while the
# database hangs; 0 switches the gate off.
DATABASE_REQUESTS_AT_ONCE = env_int(
    "CASEWORK_DB_REQUESTS_AT_ONCE",
    max(1, env_int("CASEWORK_WEB_THREADS", 8, minimum=1) - 2),
    minimum=0,
)
# Elsewhere (task workers, the clock, commands), a little longer than a statement may run.
DATABASE_ANSWER_SECONDS = DATABASE_STATEMENT_TIMEOUT + 5 if DATABASE_STATEMENT_TIMEOUT else 0
# /readyz answers within this many seconds, a dependency that has not answered by then failing.
READYZ_TIMEOUT_SECONDS = env_int("CASEWORK_READYZ_TIMEOUT", 3, minimum=1)
# The connections go through a pooler in transaction mode (PgBouncer: docs/scaling.md). It
# refuses the ``options`` startup parameter, so the server-side timeouts are then set by the
# pooler's ``connect_query`` instead, and a server connection may serve another client between
# two transactions, so no cursor may outlive one (Django's ``iterator()`` reads in chunks).
DATABASE_TRANSACTION_POOLING = env_bool("CASEWORK_DB_TRANSACTION_POOLING", default=False)
# What each connection asks of the server, as PostgreSQL settings, for ``-c`` or a pooler's
# ``connect_query`` (``manage.py pooler_connect_query`` prints it): the timeouts (milliseconds),
# no JIT compilation and no parallel workers. PostgreSQL compiles a plan whose estimated cost
# passes ``jit_above_cost``: at a million profiles, the directory's searches with words, 9-14 ms
# a statement (docs/performance.md). No query of ours spends its time evaluating expressions,
# where compiled code would pay that back; ours read indexes and rows. Parallel workers split a
# statement's reads across processes, which a web request's short reads do not repay: at a
# million profiles, with them the directory's filtered counts took 16-18 ms where they take
# 11-12 without, and no search was faster with them; and on a machine serving many requests at
# once the cores are already busy with requests of their own.
DATABASE_SERVER_SETTINGS: dict[str, object] = {
    "statement_timeout": DATABASE_STATEMENT_TIMEOUT * 1000,
    "lock_timeout": DATABASE_LOCK_TIMEOUT * 1000,
    "jit": "off",
    "max_parallel_workers_per_gather": 0,
}
# What every PostgreSQL connection (the primary's and the replica's) is opened with.
_POSTGRESQL_LIMITS: dict[str, object] = {
    # libpq counts a limit below 2 seconds as 2.
    **({"connect_timeout": max(DATABASE_CONNECT_TIMEOUT, 2)} if DATABASE_CONNECT_TIMEOUT else {}),
}
if not DATABASE_TRANSACTION_POOLING:
    _POSTGRESQL_LIMITS["options"] = " ".join(
        f"-c {name}={value}" for name, value in DATABASE_SERVER_SETTINGS.items()
    )


def _with_limits(options: dict[str, object]) -> dict[str, object]:
    """A URL's own options (sslmode, a certificate, its own ``-c`` settings) with the limits
    added; ``options`` strings are joined, the limits last so that they hold."""
    merged = {**options, **_POSTGRESQL_LIMITS}
    if options.get("options") and "options" in _POSTGRESQL_LIMITS:
        merged["options"] = f"{options['options']} {_POSTGRESQL_LIMITS['options']}"
    return merged


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "casework.shell.postgresql"
    DATABASES["default"]["OPTIONS"] = _with_limits(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING
# A PostgreSQL read replica for the public directory and verification reads (casework/replicas.py).
DATABASE_REPLICA_URL = env_secret("DATABASE_REPLICA_URL", required=False)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
    )
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # The replica is waited on no longer than the primary; its URL's own options (sslmode,
        # a certificate) stay its own.
        DATABASES["replica"]["ENGINE"] = "casework.shell.postgresql"
        DATABASES["replica"]["OPTIONS"] = _with_limits(DATABASES["replica"].get("OPTIONS", {}))
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read the primary's rows
    DATABASE_ROUTERS = ["casework.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_secret("REDIS_URL", required=False)
# Seconds the cache waits for Redis to connect or to answer before the request is refused with a
# 503 (sign-in) or goes on without it (public reads): casework/shell/outages.py.
REDIS_TIMEOUT = env_int("CASEWORK_REDIS_TIMEOUT", 2)
# Longer than channels_redis's blocking read (5 s) with room to spare: a Redis that answers
# nothing for this long is taken as gone.
CHANNEL_LAYER_READ_SECONDS = 15
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "casework.shell.redis_cache.KeptRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT or None,
                "socket_timeout": REDIS_TIMEOUT or None,
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's layer whose blocking read ends when its task is cancelled, which
            # a read given longer than 5 s no longer does by itself (casework/shell/redis_layer.py).
            "BACKEND": "casework.shell.redis_layer.StoppableRedisChannelLayer",
            # The live process waits for its messages in a blocking read of 5 s
            # (channels_redis's BZPOPMIN), as long as redis-py's default read timeout: after 5
            # quiet seconds the read failed, and the socket whose turn it was to read closed
            # (code 1005), one every quiet 5 s. The read is given time to end on its own.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": CHANNEL_LAYER_READ_SECONDS,
                        "socket_connect_timeout": REDIS_TIMEOUT or None,
                    }
                ]
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # In memory: websockets are held by one ASGI process; the machine's other processes (pages
    # under WSGI, the task worker, the clock) are given the bridge's address and hand their
    # group messages to it (casework/shell/live_bridge.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "casework.shell.live_bridge.BridgedChannelLayer",
            "CONFIG": {"bridge_url": env_str("CASEWORK_LIVE_BRIDGE_URL", "")},
        }
    }

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Delivered domain events and finished email and push deliveries are kept this long (for
# looking into what happened), then removed by `prune_outbox`; waiting ones never are.
OUTBOX_RETENTION_DAYS = env_int("CASEWORK_OUTBOX_RETENTION_DAYS", 30, minimum=1)
# How long an API write's Idempotency-Key is remembered with its request's hash
# (accounts/idempotency.py), long past any client's retries.
IDEMPOTENCY_KEYS_KEPT_DAYS = env_int("CASEWORK_IDEMPOTENCY_KEYS_KEPT_DAYS", 7, minimum=1)
# The clock's daily retention run removes only when this is on; until then its reports say what
# it would remove (privacy/retention/applying.py).
RETENTION_REMOVES = env_bool("CASEWORK_RETENTION_REMOVES", default=False)
# Where the servers and their data are, in the operator's words, for /privacy/.
HOSTING_LOCATION = env_str("CASEWORK_HOSTING_LOCATION")
# A person's data export can be downloaded for this long; then the clock destroys it.
EXPORT_LINK_HOURS = env_int("CASEWORK_EXPORT_LINK_HOURS", 72, minimum=1)
# Days between asking for one's account to be erased and the erasure: time to change one's mind.
ERASURE_COOLING_OFF_DAYS = env_int("CASEWORK_ERASURE_COOLING_OFF_DAYS", 14, minimum=1)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # Argon2id
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ADMIN_URL = env_str("CASEWORK_ADMIN_URL", "admin/")
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "shell:dashboard"
LOGOUT_REDIRECT_URL = "shell:home"

# django-allauth: email login, verified email, MFA.
SITE_ID = 1
ACCOUNT_ADAPTER = "casework.accounts.adapters.AccountAdapter"
MFA_ADAPTER = "casework.accounts.adapters.MFAAdapter"
ACCOUNT_FORMS = {"signup": "casework.accounts.forms.ClientSignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False  # a reset never skips the MFA step of sign-in
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PRODUCT_NAME}] "
# Changing a password or an email address asks for the password (or a factor) again unless it
# was given in the last five minutes, and the account's addresses are told of each change.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    # The key is the account *and* the address it is tried from (see AccountAdapter), so an
    # attacker who fails five times locks out only themselves, never the person they target.
    "login_failed": "20/30m/ip,5/30m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_FORMS = {
    # The failure limit of the second-factor step counts per account and address.
    "authenticate": "casework.accounts.forms.SecondFactorForm",
    "reauthenticate": "casework.accounts.forms.SecondFactorAgainForm",
    "activate_totp": "casework.accounts.forms.AuthenticatorAppForm",
}
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
MFA_TOTP_ISSUER = PRODUCT_NAME
MFA_RECOVERY_CODE_COUNT = 10
USERSESSIONS_TRACK_ACTIVITY = True

# Register exports larger than this are refused before anything is stored.
REGISTER_IMPORT_MAX_BYTES = env_int("CASEWORK_REGISTER_IMPORT_MAX_MB", 60, minimum=1) * 1024 * 1024
# Scheduled re-reads of registers (registry/register_sources.py): a path is accepted only inside
# this folder (empty: no paths, addresses only); each wait for a register's server is at most
# this many seconds, and a whole download ten times that; an address that resolves to this
# machine or a private network is refused unless allowed (a register mirrored on the inside).
REGISTER_SOURCES_DIR = env_str("CASEWORK_REGISTER_SOURCES_DIR")
REGISTER_SOURCE_TIMEOUT_SECONDS = env_int("CASEWORK_REGISTER_SOURCE_TIMEOUT", 30, minimum=1)
REGISTER_SOURCES_PRIVATE_HOSTS = env_bool("CASEWORK_REGISTER_SOURCES_PRIVATE_HOSTS", default=False)

# Limits an operator may tune (the README's table): flood control and upload sizes.
# Messages one person may send in a minute, across their conversations.
MESSAGING_MESSAGES_PER_MINUTE = env_int("CASEWORK_MESSAGES_PER_MINUTE", 30, minimum=1)
# New enquiries one client may start in 24 hours.
MESSAGING_ENQUIRIES_PER_DAY = env_int("CASEWORK_ENQUIRIES_PER_DAY", 5, minimum=1)
# New consultations a practitioner in good standing may start in 24 hours.
MESSAGING_CONSULTATIONS_PER_DAY = env_int("CASEWORK_CONSULTATIONS_PER_DAY", 20, minimum=1)
MESSAGING_ATTACHMENT_MAX_BYTES = env_int("CASEWORK_ATTACHMENT_MAX_MB", 10, minimum=1) * 1024 * 1024
DIRECTORY_PHOTO_MAX_BYTES = env_int("CASEWORK_PHOTO_MAX_MB", 5, minimum=1) * 1024 * 1024
REGISTRY_EVIDENCE_MAX_BYTES = env_int("CASEWORK_EVIDENCE_MAX_MB", 10, minimum=1) * 1024 * 1024

# The reverse proxies in front of the site (addresses or networks). Only from these is
# X-Forwarded-For believed: throttles and the audit log then see each client's own address,
# not the proxy's that every request would otherwise share (see privacy/middleware.py).
TRUSTED_PROXIES = env_networks("CASEWORK_TRUSTED_PROXIES")
RATELIMIT_IP_META_KEY = "casework.privacy.middleware.throttle_address"

# Prometheus metrics (casework/shell/metrics.py): served at this path to a scraper presenting
# the token as a bearer token or connecting from one of the allowed addresses or networks;
# everyone else gets 404. With neither set, nobody reads them.
METRICS_PATH = env_str("CASEWORK_METRICS_PATH", "metrics").strip("/")
if not METRICS_PATH or not re.fullmatch(r"[A-Za-z0-9._/-]+", METRICS_PATH):
    raise ImproperlyConfigured(
        "CASEWORK_METRICS_PATH must be a path such as metrics or ops/metrics-7f3a."
    )
METRICS_TOKEN = env_secret("CASEWORK_METRICS_TOKEN", required=False)
if METRICS_TOKEN and len(METRICS_TOKEN) < 24:
    raise ImproperlyConfigured(
        "CASEWORK_METRICS_TOKEN must be at least 24 characters (e.g. `openssl rand -hex 24`)."
    )
METRICS_ALLOWED_NETWORKS = env_networks("CASEWORK_METRICS_ALLOWED_IPS")

# Verification API: generous for people and link previews, tight enough to stop scraping.
VERIFY_API_RATE = env_str("CASEWORK_VERIFY_API_RATE", "60/m")

# Staff sessions (practitioners, officers, moderators, admins): idle and absolute limits.
STAFF_SESSION_IDLE_SECONDS = env_int("CASEWORK_STAFF_IDLE_MINUTES", 30) * 60
STAFF_SESSION_MAX_SECONDS = env_int("CASEWORK_STAFF_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = env_int("CASEWORK_SESSION_DAYS", 14) * 86400
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True


LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# Our catalogue first, then our Spanish ("tú") for django-allauth, which must beat allauth's own
# ("usted"): see casework/accounts/allauth_catalogue.py.
LOCALE_PATHS = [
    BASE_DIR / "casework" / "locale",
    BASE_DIR / "casework" / "accounts" / "allauth_locale",
]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Hashed, compressed static files (cached for good by browsers) wherever collectstatic runs
# first: production, and `make run`. Plain names elsewhere (tests, runserver), where nothing is
# collected and the manifest would be missing.
STATIC_MANIFEST = env_bool("CASEWORK_STATIC_MANIFEST", default=PRODUCTION)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it, even when empty

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", required=False)
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = 20
elif PRODUCTION:
    # Never print emails (they carry sign-in and reset links) to production logs.
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Casework <no-reply@casework.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Web push: appointment reminders on the devices people choose (the time and a link, nothing
# else). The VAPID key signs every push; in production push is off (not offered) without one.
# Development generates one once into var/. See casework/accounts/push.py.
VAPID_PRIVATE_KEY = env_secret("CASEWORK_VAPID_PRIVATE_KEY", required=False)
if not VAPID_PRIVATE_KEY and not PRODUCTION:
    VAPID_PRIVATE_KEY = _development_secret("development-vapid-private-key", 32)
# Whom push services contact about our pushes: a mailto: or https: URL.
VAPID_SUBJECT = env_str("CASEWORK_VAPID_SUBJECT") or f"mailto:{parseaddr(DEFAULT_FROM_EMAIL)[1]}"

# Transport and browser protections.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if env_bool("CASEWORK_BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", rf"^{re.escape(METRICS_PATH)}$"]

_live_source = [LIVE_URL] if LIVE_URL else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, *_live_source],
        "worker-src": [SELF],  # the push reminders' service worker
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(self), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(self), payment=(), usb=(), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)

# Logs: one JSON object a line on standard error (or one readable line in development), each
# with its request id and never any content (casework/shell/logs.py).
LOG_FORMAT = env_str("CASEWORK_LOG_FORMAT", "json" if PRODUCTION else "console")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured("CASEWORK_LOG_FORMAT must be 'json' or 'console'.")
configure_structlog()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": log_formatter(LOG_FORMAT)},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Never DEBUG: it would write every query with its parameters.
        "django.db.backends": {"level": "INFO"},
    },
}
