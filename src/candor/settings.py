"""One settings module, read from environment variables.

Two runtime modes:
- embedded (default): SQLite under var/, jobs run in-process, mail kept in the outbox table
  and delivered to files under var/mail/. No set-up beyond `make run`.
- production (CANDOR_ENV=production): every secret and address comes from the environment;
  PostgreSQL, Redis (cache, sessions, Celery broker), SMTP, HTTPS-only cookies and HSTS.
"""

import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(environ.Env().str("CANDOR_VAR_DIR", default=str(PROJECT_DIR / "var")))

env = environ.Env()
environ.Env.read_env(PROJECT_DIR / ".env", overwrite=False)

CANDOR_ENV = env.str("CANDOR_ENV", default="embedded")
if CANDOR_ENV not in ("embedded", "production"):
    raise environ.ImproperlyConfigured("CANDOR_ENV must be 'embedded' or 'production'")
PRODUCTION = CANDOR_ENV == "production"


def _embedded_secret_key() -> str:
    """A per-installation key kept under var/, so embedded sessions survive restarts."""
    from django.core.management.utils import get_random_secret_key

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# Off unless asked for (DEBUG=1, `make dev`), in the embedded shop too: it is what shop owners
# try first, and Django's debug pages show every URL pattern and tracebacks to anyone.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = (
    env.str("SECRET_KEY")
    if PRODUCTION
    else env.str("SECRET_KEY", default="") or (_embedded_secret_key())
)
if PRODUCTION and not SECRET_KEY.strip():
    # An empty key would let the site start and then fail on the first signed cookie.
    raise environ.ImproperlyConfigured("Set the SECRET_KEY environment variable (it is empty)")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# In production these have no defaults: a missing one stops start-up instead of quietly
# falling back to SQLite, mail written to files, or links to 127.0.0.1 in customers' mail.
REQUIRED_IN_PRODUCTION = ("DATABASE_URL", "EMAIL_URL", "SITE_URL", "ALLOWED_HOSTS")
if PRODUCTION:
    missing = [name for name in REQUIRED_IN_PRODUCTION if not env.str(name, default="").strip()]
    if missing:
        raise environ.ImproperlyConfigured(f"Set {', '.join(missing)} in the environment")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The admin with the staff MFA gate as its default site (candor.accounts.admin_site).
    "candor.accounts.apps.CandorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_countries",
    "phonenumber_field",
    # Before allauth, so its template overrides (account/, mfa/, socialaccount/, allauth/) win.
    "candor.accounts",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "allauth.mfa",
    "candor.core",
    "candor.privacy",
    "candor.messaging",
    "candor.catalog",
    "candor.cart",
    "candor.orders",
    "candor.payments",
    "candor.checkout",
    "candor.campaigns",
    "candor.insights",
    "candor.engagement.support",
    "candor.engagement.surveys",
    "candor.engagement.testimonials",
    "candor.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The server log (P12) and the page counter (P11): near the top, so they see every
    # response's final status; both buffer in memory and write in batches.
    "candor.privacy.request_logs.RequestLogMiddleware",
    "candor.insights.middleware.PageViewMiddleware",
    # Content-Security-Policy and Permissions-Policy (P14), and `Cache-Control: private,
    # no-store` on token, account, cart, checkout and back-office pages.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "candor.privacy.private_pages.PrivatePagesMiddleware",
    # Before anything reads the body (uploads are spooled to disk whatever their size); after
    # the log, so a refused request is logged.
    "candor.core.request_size.RequestSizeLimitMiddleware",
    # NUL bytes and lone surrogates in the path, query string, form fields or file names are
    # refused with 400 before anything queries with them (PostgreSQL text cannot hold them).
    "candor.core.bad_input.UnstorableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session, CSRF and messages middleware, so it sees the cookies they set: drops
    # any Set-Cookie that is unregistered or lacks consent (P1, P10).
    "candor.privacy.consent_middleware.CookieConsentMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # No sign-in while the failed-sign-in limits cannot be counted (Redis down).
    "candor.accounts.middleware.SignInNeedsRateLimitsMiddleware",
    # A social provider the shop has not set up answers 404, not allauth's DoesNotExist (500).
    "candor.accounts.middleware.UnconfiguredProviderMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# PRIVACY_MIDDLEWARE=off exists ONLY for bench/load.py's before/after measurement of what the
# privacy middleware costs: it removes cookie-consent enforcement, the server log and the page
# counter. Never turn it off in production (privacy.W010 warns when it is off and DEBUG is off).
PRIVACY_MIDDLEWARE = env.str("PRIVACY_MIDDLEWARE", default="on").strip().lower()
if PRIVACY_MIDDLEWARE not in ("on", "off"):
    raise environ.ImproperlyConfigured("PRIVACY_MIDDLEWARE must be 'on' or 'off'")
PRIVACY_MIDDLEWARE_PATHS = (
    "candor.privacy.consent_middleware.CookieConsentMiddleware",
    "candor.privacy.request_logs.RequestLogMiddleware",
    "candor.insights.middleware.PageViewMiddleware",
)
if PRIVACY_MIDDLEWARE == "off":
    MIDDLEWARE = [m for m in MIDDLEWARE if m not in PRIVACY_MIDDLEWARE_PATHS]


def _positive_int(name: str, default: int) -> int:
    try:
        value = env.int(name, default=default)
    except ValueError:
        value = 0
    if value < 1:
        raise environ.ImproperlyConfigured(f"{name} must be a whole number of at least 1")
    return value


# Server log rows and page counts are buffered per process and written when this many rows are
# waiting (log lines; distinct pages for the counts) or the oldest has waited this many seconds
# (and at exit).
REQUEST_LOG_BATCH_SIZE = _positive_int("REQUEST_LOG_BATCH_SIZE", 500)
REQUEST_LOG_FLUSH_SECONDS = _positive_int("REQUEST_LOG_FLUSH_SECONDS", 10)
PAGE_VIEW_BATCH_ROWS = _positive_int("PAGE_VIEW_BATCH_ROWS", 10_000)
PAGE_VIEW_FLUSH_SECONDS = _positive_int("PAGE_VIEW_FLUSH_SECONDS", 30)

# The largest request body accepted (contact-form photos: 3 of 5 MB, plus the text).
MAX_REQUEST_BYTES = _positive_int("MAX_REQUEST_BYTES", 20 * 1024 * 1024)

ROOT_URLCONF = "candor.urls"
WSGI_APPLICATION = "candor.wsgi.application"

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
                "candor.core.context_processors.shop",
                "candor.cart.context_processors.cart_summary",
                "candor.campaigns.context_processors.announcements",
                "candor.privacy.context_processors.consent",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'candor.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A database host that does not answer fails a request (and /readyz) in seconds, not after
    # the operating system's minutes; `?connect_timeout=` in DATABASE_URL overrides it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# The partner reports' daily aggregates (insights.SalesDay) need "nulls not distinct", which
# only PostgreSQL has; on SQLite they are never stored (reports count live), so the warning
# that SQLite cannot create the constraint says nothing useful there.
SILENCED_SYSTEM_CHECKS = (
    ["models.W047"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A Redis outage degrades instead of failing every page (candor.core.cache): misses are
    # answered, and short socket timeouts keep a dead Redis from costing a request seconds.
    CACHES = {
        "default": {
            "BACKEND": "candor.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Whole catalogue pages for visitors without a session (candor.core.pagecache): bodies in each
# process's memory, freshness in the shared cache. Without Redis, processes cannot share that
# freshness, so the cache is off unless asked for (PAGE_CACHE_SECONDS; 0 turns it off).
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600 if REDIS_URL and not DEBUG else 0)
# The cookie banner and the tags differ by the consent cookie and the Global Privacy Control
# header, so cached pages are kept apart by their values.
PAGE_CACHE_VARY_COOKIES = ["candor_consent"]
PAGE_CACHE_VARY_HEADERS = ["HTTP_SEC_GPC"]
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "candor-pages",
    "OPTIONS": {"MAX_ENTRIES": 3000},
}

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
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
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# Accounts (django-allauth): people sign in with their email address, which must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
# The same answer whether or not an address has an account (sign-up, reset).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Our hooks: allauth's mail goes through the outbox as transactional mail (P8); social sign-in
# keeps only the basic profile (P4).
ACCOUNT_ADAPTER = "candor.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "candor.accounts.adapters.SocialAccountAdapter"
# Security notices (password changed, email added or removed, two-factor changes) are mailed.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Links in mail are random or signed, and expire (P14): verification after 3 days, a password
# reset link after a day (Django's signed token, also void once the password changes).
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
PASSWORD_RESET_TIMEOUT = 24 * 3600
# Rate limits (P14), kept in the shared cache (Redis in production, so they hold across nodes).
# Merged over allauth's defaults; these are the ones the promise rests on.
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins (candor.accounts.adapters.AccountAdapter.pre_authenticate): from one
    # client, 10 a minute and 5 per account in 5 minutes; per account from everywhere, 5 in 5
    # minutes, after which each other client has one attempt per 5 minutes, so the owner with
    # the right password is never locked out by others' failures.
    "login_failed_client": "10/m/ip,5/300s/key",
    "login_failed": "5/300s/key",
    "login_failed_locked_client": "1/300s/key",
    # Any sign-in attempt: 30 a minute from one address, then 429 Too Many Requests.
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Behind the reverse proxy the client address is the last hop's X-Forwarded-For entry, so the
# per-address limits count visitors, not the proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)
# The same count for the server log's client address (candor.privacy.request_logs).
TRUSTED_PROXY_COUNT = ALLAUTH_TRUSTED_PROXY_COUNT

# Staff two-factor authentication (P14): an authenticator app (TOTP) with recovery codes. The back
# office (candor.accounts.admin_site) opens only to staff who signed in with it in this session.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Candor")
# No "trust this browser" cookie: every new session asks for the code.
MFA_TRUST_ENABLED = False
# TOTP secrets and recovery-code seeds are stored encrypted (candor.accounts.mfa_secrets).
# MFA_ENCRYPTION_KEYS: comma-separated Fernet keys, the first encrypts, all decrypt (rotation:
# docs/security.md). Required in production; the embedded shop keeps one under var/.
MFA_ADAPTER = "candor.accounts.mfa_secrets.MFAAdapter"


def _embedded_mfa_key() -> str:
    from cryptography.fernet import Fernet

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "mfa_key"
    if not key_file.exists():
        key_file.write_bytes(Fernet.generate_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


MFA_ENCRYPTION_KEYS = [key.strip() for key in env.list("MFA_ENCRYPTION_KEYS", default=[])]
MFA_ENCRYPTION_KEYS = [key for key in MFA_ENCRYPTION_KEYS if key]
if not MFA_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise environ.ImproperlyConfigured("Set MFA_ENCRYPTION_KEYS in the environment")
    MFA_ENCRYPTION_KEYS = [_embedded_mfa_key()]


def _check_fernet_keys(keys: list[str]) -> None:
    from cryptography.fernet import Fernet

    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise environ.ImproperlyConfigured(
                f"MFA_ENCRYPTION_KEYS: key {number} is not a Fernet key (32 url-safe base64-"
                'encoded bytes; make one with `python -c "from cryptography.fernet import '
                'Fernet; print(Fernet.generate_key().decode())"`)'
            ) from None


_check_fernet_keys(MFA_ENCRYPTION_KEYS)

# Social sign-in (P4): Google and Facebook, basic profile only (name, email, provider id).
# Credentials come from the environment, or from the back office (Social applications); use
# one or the other for a provider, not both.
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
FACEBOOK_APP_ID = env.str("FACEBOOK_APP_ID", default="")
FACEBOOK_APP_SECRET = env.str("FACEBOOK_APP_SECRET", default="")
SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {
    "google": {
        "SCOPE": ["openid", "profile", "email"],
        "AUTH_PARAMS": {},
        "OAUTH_PKCE_ENABLED": True,
        # Google says whether it verified the address (email_verified). Only such an address may
        # sign in to an existing Candor account with the same verified email; allauth also wipes
        # the password of a local account whose address was never verified (a squatter's).
        "EMAIL_AUTHENTICATION": True,
    },
    "facebook": {
        # The redirect flow, not the JavaScript SDK: no third-party script on our pages (P10).
        "METHOD": "oauth2",
        "SCOPE": ["email", "public_profile"],
        "FIELDS": ["id", "email", "name", "first_name", "last_name"],
        # Facebook does not say an address is verified, so it never signs in to an existing
        # account by email, and a new account's address is verified by our own mail first.
        "EMAIL_AUTHENTICATION": False,
    },
}
if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["google"]["APPS"] = [
        {"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}
    ]
if FACEBOOK_APP_ID and FACEBOOK_APP_SECRET:
    SOCIALACCOUNT_PROVIDERS["facebook"]["APPS"] = [
        {"client_id": FACEBOOK_APP_ID, "secret": FACEBOOK_APP_SECRET, "key": ""}
    ]
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_AUTO_SIGNUP = True
# A provider-verified address that matches an account signs in to it and links the provider.
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Sign-in starts with a POST from our page (a CSRF-protected form), never a bare GET link.
SOCIALACCOUNT_LOGIN_ON_GET = False
# We need the provider's answer once, at sign-in; its access tokens are not kept.
SOCIALACCOUNT_STORE_TOKENS = False
# Flash messages live in the session: no extra cookie beyond the essential ones (P1, P10).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Karachi")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(PROJECT_DIR / "staticfiles")))
# runserver serves no static files without DEBUG: WhiteNoise does, and in the embedded shop
# straight from the static folders (no collectstatic); production serves collected files.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG and not PRODUCTION
if not PRODUCTION:  # the collected folder is for production; its absence here says nothing
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=not PRODUCTION)
# Private files (support photos, rights exports, legal documents): outside MEDIA_ROOT, served
# by nothing but the views that check who is asking (candor.core.storage). Never point the
# proxy or /media/ at it.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(MEDIA_ROOT.parent / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Mail: every message is first a row in the outbox; this backend only delivers it.
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    if _email["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
        # django-environ drops the leading slash: filemail:///srv/mail must mean /srv/mail.
        _email["EMAIL_FILE_PATH"] = unquote(urlsplit(env.str("EMAIL_URL")).path)
    vars().update(_email)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Candor <shop@candor.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Marketing consent (P7): how long a confirmation link and a preferences link stay valid, the
# mailbox that takes unsubscribe requests by mail, and the policy version consents record
# (replaced by the published policy's version once the privacy app publishes one).
SUBSCRIBE_CONFIRM_DAYS = env.int("SUBSCRIBE_CONFIRM_DAYS", default=7)
MAIL_PREFERENCES_LINK_DAYS = env.int("MAIL_PREFERENCES_LINK_DAYS", default=30)
UNSUBSCRIBE_MAILBOX = env.str(
    "UNSUBSCRIBE_MAILBOX", default="unsubscribe@" + DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">")
)
# Recorded with consents until the first privacy policy version is published.
PRIVACY_POLICY_VERSION = env.str("PRIVACY_POLICY_VERSION", default="unpublished")
# How long before it takes effect a material change to the policy is announced (P21).
PRIVACY_NOTICE_DAYS = env.int("PRIVACY_NOTICE_DAYS", default=30)
# Rights requests (P20): the target for answering one (a system check refuses more than the
# 30-day legal limit), how long the link mailed to a guest and an export's download link last.
RIGHTS_REQUEST_TARGET_DAYS = env.int("RIGHTS_REQUEST_TARGET_DAYS", default=7)
RIGHTS_REQUEST_LINK_DAYS = _positive_int("RIGHTS_REQUEST_LINK_DAYS", 30)
RIGHTS_EXPORT_LINK_DAYS = _positive_int("RIGHTS_EXPORT_LINK_DAYS", 7)


# The outbox (messaging.services): a message claimed ("sending") longer ago than this belongs to
# a worker that died and may be sent again, so keep it well above the time one message takes;
# the sweep hands due mail to the workers this often, in batches of this many messages.
OUTBOX_STALE_SENDING_SECONDS = _positive_int("OUTBOX_STALE_SENDING_SECONDS", 600)
OUTBOX_SWEEP_SECONDS = _positive_int("OUTBOX_SWEEP_SECONDS", 60)
OUTBOX_BATCH_SIZE = _positive_int("OUTBOX_BATCH_SIZE", 100)

# Background jobs: Celery on Redis when configured, otherwise in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# A web request hands mail to the queue after its commit; with the broker down that must fail
# in milliseconds (the outbox row waits for the sweep), not wait out kombu's default retries.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Retries after backoff, and mail left "sending" by a worker that died.
    "deliver-due-mail": {
        "task": "candor.messaging.tasks.deliver_due_messages",
        "schedule": float(OUTBOX_SWEEP_SECONDS),
    },
    # Orders nobody paid for give their stock back.
    "cancel-unpaid-orders": {"task": "candor.orders.tasks.cancel_unpaid_orders", "schedule": 900.0},
    # Shortens and deletes what the data map's retention periods say is due (P12).
    "apply-retention": {
        "task": "candor.privacy.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=30),
    },
    "clear-expired-sessions": {
        "task": "candor.privacy.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=45),
    },
    # Rights requests due within two days or overdue: their assignee or the privacy officers.
    "rights-request-reminders": {
        "task": "candor.privacy.rights.tasks.send_rights_reminders",
        "schedule": crontab(hour="8,14", minute=0),
    },
    # Rights requests whose run failed (an erasure stopped part-way), with backoff.
    "rights-retry-failed": {
        "task": "candor.privacy.rights.tasks.retry_failed_rights_requests",
        "schedule": 600.0,
    },
    # Export files (everything about a person) once their download link has expired, and
    # requests whose verification link expired unused.
    "rights-housekeeping": {
        "task": "candor.privacy.rights.tasks.housekeeping",
        "schedule": crontab(hour=4, minute=15),
    },
    # Image files of support conversations the retention job deleted (P5).
    "purge-support-files": {
        "task": "candor.engagement.support.tasks.purge_orphan_files",
        "schedule": crontab(hour=4, minute=0),
    },
    # What product pages suggest, from aggregate counts of orders and page views (P18).
    "refresh-product-rankings": {
        "task": "candor.insights.tasks.refresh_product_rankings",
        "schedule": crontab(minute=20),
    },
    # Daily aggregates for the partner reports (P18): new days, and days whose orders changed.
    "refresh-partner-aggregates": {
        "task": "candor.insights.tasks.refresh_partner_aggregates",
        "schedule": crontab(minute=35),
    },
}
# How long an order may await payment, per method, before it is cancelled (hours).
UNPAID_ORDER_HOURS = {
    "card": env.int("UNPAID_CARD_ORDER_HOURS", default=24),
    "bank_transfer": env.int("UNPAID_BANK_TRANSFER_ORDER_HOURS", default=7 * 24),
}

# Order screening (P25): the screener that judges every order before it is confirmed, by its
# name in candor.orders.screening.SCREENERS ("rules" is the built-in one), and its limits.
ORDER_SCREENER = env.str("ORDER_SCREENER", default="rules")
ORDER_SCREENING_RULES = {
    # Orders placed with one email address, phone number or IP address in the last hour or
    # day, the new one included: (hold for review from, decline from); None is never.
    "velocity": {
        "email": {"hour": (3, 6), "day": (6, 12)},
        "phone": {"hour": (3, 6), "day": (6, 12)},
        # Many customers can share an address (mobile networks, offices): only ever held.
        "ip": {"hour": (6, None), "day": (20, None)},
    },
    # Billing country not the delivery country: "review", "reject" or None (no rule).
    "country_mismatch": "review",
    # Hold an order whose total (shop currency) is above this, or with more than this many of
    # one variant; None switches the rule off.
    "review_total_above": env.int("ORDER_SCREENING_REVIEW_TOTAL_ABOVE", default=1_000_000),
    "review_quantity_above": 5,
}

# Payments: the card adapter talks to Stripe Checkout; secrets never live in the database.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")

# Links mailed to guests (order look-up) stay valid this long.
ORDER_LINK_MAX_AGE_DAYS = env.int("ORDER_LINK_MAX_AGE_DAYS", default=180)
# Links to a support conversation (P5) mailed with each answer stay valid this long.
SUPPORT_LINK_DAYS = _positive_int("SUPPORT_LINK_DAYS", 90)
CATALOG_PAGE_SIZE = 24

# Learning in aggregate (insights, P18). Product pages suggest what was bought together in the
# last SUGGESTION_DAYS days by at least SUGGESTION_MIN_CUSTOMERS customers. Partner reports
# withhold any figure describing fewer than PARTNER_REPORT_MIN_CUSTOMERS customers (and any
# figure that would let one be worked out), cover at most PARTNER_REPORT_MAX_DAYS days, group
# order totals (shop currency) into bands below each of PARTNER_REPORT_ORDER_BANDS, and give the
# daily views of the PARTNER_REPORT_TOP_PAGES most viewed pages.
SUGGESTION_DAYS = _positive_int("SUGGESTION_DAYS", 90)
SUGGESTION_MIN_CUSTOMERS = _positive_int("SUGGESTION_MIN_CUSTOMERS", 3)
PARTNER_REPORT_MIN_CUSTOMERS = _positive_int("PARTNER_REPORT_MIN_CUSTOMERS", 10)
PARTNER_REPORT_MAX_DAYS = 366
PARTNER_REPORT_ORDER_BANDS = [5000, 20000, 50000, 100000, 250000]
PARTNER_REPORT_TOP_PAGES = 10

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No page's address reaches another site (a signed link's token is in it); token pages send
# no referrer at all (candor.privacy.private_pages).
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4), enforced in both modes so the shop an owner tries
# first is the shop production serves; CSP_REPORT_ONLY=true only reports (for trying a new
# tag). Scripts and styles come from our own files only; the one exception is the <style> in
# the back office's SVG charts, allowed by a per-response nonce. Forms may post to our pages;
# their redirects may go on to Stripe's hosted payment page and the sign-in providers.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        # One style attribute, allowed by its hash: allauth's change-of-email page hides a form
        # with style="display: none".
        "style-src-attr": [
            "'unsafe-hashes'",
            "'sha256-ZdHxw9eWtnxUb3mk6tBS+gIiVUPE3pGM470keHPDFlE='",
        ],
        "img-src": [SELF, "data:"],  # data: for the two-factor enrolment QR code
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [
            SELF,
            "https://checkout.stripe.com",
            "https://accounts.google.com",
            "https://www.facebook.com",
        ],
    }
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
# Powerful browser features nothing in the shop uses are off for every page (and any frame).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "browsing-topics",
    )
}
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
