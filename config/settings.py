"""Settings for the Changing Lives Fund, read from the environment.

Every value comes from an environment variable through the small helpers below, which
fail loudly (ImproperlyConfigured) on a value they cannot read. Safe defaults: DEBUG is
off, and there is no secret key outside development.
"""

import os
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-never-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else None)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("The development SECRET_KEY cannot be used with DEBUG off.")


def weak_secret_key(key: str) -> str | None:
    """Why ``key`` is too weak to sign sessions and tokens, or None when it is not.

    The same three rules as Django's deploy check (security.W009), which only warns: a
    server started with such a key would run, and with an empty one answer 500 to everything.
    """
    if not key.strip():
        return "SECRET_KEY is empty."
    if len(key) < 50:
        return f"SECRET_KEY is too short: {len(key)} characters, at least 50 are needed."
    if key.startswith("django-insecure-"):
        return "SECRET_KEY begins with 'django-insecure-', the mark of a generated development key."
    if len(set(key)) < 5:
        return f"SECRET_KEY has only {len(set(key))} different characters, at least 5 are needed."
    return None


if not DEBUG and (_weakness := weak_secret_key(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"{_weakness} With DEBUG off, set SECRET_KEY to a long random value, for example from "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "djmoney",
    "simple_history",
    "import_export",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "fund",
    "people",
    "donations",
    "grants",
    "banking",
    "audit",
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
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "people.middleware.RequestSizeLimitMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "people.middleware.SessionTimeoutMiddleware",
    "people.middleware.RequireTwoFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "people.middleware.NoStoreForSignedInMiddleware",
    "people.middleware.PermissionsPolicyMiddleware",
    "people.middleware.SecurityEventLogMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "libraries": {"govuk_forms": "config.govuk_forms"},
        },
    },
]

# Every form field renders as a GOV.UK form group (config/govuk_forms.py).
FORM_RENDERER = "config.govuk_forms.GovukFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's write lock when a transaction starts, so two approvals
    # racing for the last pounds are serialised exactly as select_for_update does on
    # PostgreSQL.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, for the test database: threads in concurrency tests then share
    # one database with real locking, as they would in production.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}

# A read-only streaming replica, when REPLICA_DATABASE_URL is set: exports, dashboards and
# the auditor's pages read from it, every write goes to the primary (fund/replica.py).
if REPLICA_DATABASE_URL := env_str("REPLICA_DATABASE_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(REPLICA_DATABASE_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["fund.replica.ReplicaRouter"]
    MIDDLEWARE.append("fund.replica.ReplicaReadsMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "people.adapters.NoSignupAccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Failed sign-ins: 20 per address (an agency office shares one address) and 5 per account
# from one address (the key includes the address, see people/adapters.py), so a stranger
# cannot lock a real user out from elsewhere. allauth keeps the counts in the cache, which
# is why the cache is shared (the database), not per process.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/5m/ip,5/5m/key", "login": "30/m/ip"}
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Behind the production proxy the client's address is the last X-Forwarded-For hop the
# proxy added; without it every visitor would share one rate-limit bucket.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# The fund promises a decision within this many hours of a request being sent.
DECISION_PROMISE_HOURS = env_int("DECISION_PROMISE_HOURS", 48)
MFA_ADAPTER = "people.adapters.MandatoryMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Changing Lives Fund"
# No tolerance window: a code is valid for its own 30 seconds only, which is exactly as
# long as allauth remembers a used code, so a code can never be replayed.
MFA_TOTP_TOLERANCE = 0
MFA_TOTP_PERIOD = 30

# Rate-limit counters and used one-time codes must be seen by every worker process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    BASE_DIR / "static",
]
# Uploaded files live on disk under PRIVATE_MEDIA_ROOT (MEDIA_STORAGE=disk, the default) or in
# a private bucket of S3-compatible storage through django-storages (MEDIA_STORAGE=s3). The
# bucket's credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "disk")
if MEDIA_STORAGE == "disk":
    _MEDIA_BACKEND = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media"))},
    }
elif MEDIA_STORAGE == "s3":
    _MEDIA_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET_NAME"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION_NAME", "") or None,
            "location": env_str("S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be disk or s3, not {MEDIA_STORAGE!r}.")
STORAGES = {
    "default": _MEDIA_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded quotes and receipts are private: there is no MEDIA_URL, and files are served only
# through permission-checked views.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# How long personal data is kept, in months (python manage.py apply_retention removes it):
# client references and free text after the client's last grant ended; Gift Aid
# declarations after the last claim that used them (HMRC may ask for them until then);
# donors' names and emails (for receipts) after the gift.
RETENTION = {
    "grant_client_data": env_int("RETENTION_GRANT_CLIENT_MONTHS", 24),
    "gift_aid_declaration": env_int("RETENTION_GIFT_AID_MONTHS", 72),
    "donor_contact": env_int("RETENTION_DONOR_CONTACT_MONTHS", 72),
}

# MAX_UPLOAD_BYTES is the limit for each uploaded file (a quote, a receipt): the upload
# form states it and refuses a larger file beside the field. A request carrying a file may
# be that much plus the largest typed form (which also covers the multipart envelope), so
# a file at the limit, or just over it, reaches the form and its message. Bigger requests,
# and typed forms over MAX_FORM_BYTES, are refused with a 413 page before anything reads
# them (people.middleware.RequestSizeLimitMiddleware).
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_FORM_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + MAX_FORM_BYTES

CURRENCIES = ("GBP",)
DEFAULT_CURRENCY = "GBP"
CURRENCY_CHOICES = [("GBP", "GBP £")]

_EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
            }
            if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
# Background work (webhook processing, e-mail) goes through Django's tasks framework on a
# database-backed queue, so a task is queued in the same transaction as the data it works on
# and survives a restart. ``make run`` starts the worker (``manage.py worker``: db_worker
# plus the heartbeat that /health/ reads).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# /health/ answers 503 when the worker (manage.py worker) has not written its heartbeat for
# this many seconds.
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 300)

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Changing Lives Fund <fund@localhost>")

STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "sk_test_offline_double" if DEBUG else "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_offline_double" if DEBUG else "")
# Points the official stripe library at the local test double when set. The double is for
# development and the offline demo only: with DEBUG off the app refuses it.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
if STRIPE_API_BASE and not DEBUG:
    raise ImproperlyConfigured(
        "STRIPE_API_BASE points the app at a Stripe test double, which is refused with DEBUG off."
    )
# The public address of the site, for links in e-mails (a donor's "manage your monthly gift").
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")

# Gift Aid. A donation can be claimed until four years after the end of the charity's
# accounting period in which it was received: CHARITY_YEAR_END is the last day of that
# period as MM-DD (e.g. 03-31); unset, the UK tax year (ending 5 April) is used.
CHARITY_YEAR_END = env_str("CHARITY_YEAR_END", "")
if CHARITY_YEAR_END:
    try:
        _month, _day = (int(part) for part in CHARITY_YEAR_END.split("-"))
        date(2001, _month, _day)  # a real day in a year without 29 February
    except ValueError:
        raise ImproperlyConfigured(
            f"CHARITY_YEAR_END must be a month and day as MM-DD, not {CHARITY_YEAR_END!r}."
        ) from None
# HMRC lets donations of this much or less each be aggregated on one schedule line.
GIFT_AID_AGGREGATE_LIMIT = env_str("GIFT_AID_AGGREGATE_LIMIT", "30.00")
try:
    if Decimal(GIFT_AID_AGGREGATE_LIMIT) <= 0:
        raise InvalidOperation
except InvalidOperation:
    raise ImproperlyConfigured(
        f"GIFT_AID_AGGREGATE_LIMIT must be an amount in pounds, not {GIFT_AID_AGGREGATE_LIMIT!r}."
    ) from None

# A session ends after SESSION_IDLE_SECONDS without a request or SESSION_ABSOLUTE_SECONDS
# after sign-in, whichever comes first (people.middleware.SessionTimeoutMiddleware).
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF, "https://checkout.stripe.com"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
if STRIPE_API_BASE:
    # The donation form redirects to the double's hosted-checkout page.
    SECURE_CSP["form-action"].append(STRIPE_API_BASE.rstrip("/"))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "fund": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        # Sign-in failures, two-factor failures, refusals and downloads (people.security_log).
        "security": {"handlers": ["console"], "level": "INFO", "propagate": True},
    },
}
