"""Test settings: the real settings, with the database chosen by what this machine runs.

PostgreSQL at 127.0.0.1:5432 when it answers (CI, the project's machines), SQLite otherwise,
so the suite also runs on a laptop with no services; tests that need PostgreSQL say so.
"""

import os
import socket

os.environ.setdefault("CANDOR_ENV", "embedded")
os.environ.setdefault("REDIS_URL", "")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789")
# A fixed Fernet key for two-factor secrets (tests only), so no key file is written under var/.
os.environ.setdefault("MFA_ENCRYPTION_KEYS", "dGVzdHMtb25seS1tZmEta2V5LW5vdC1mb3ItcHJvZCE=")


def _postgres_up() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 5432)) == 0


if "DATABASE_URL" not in os.environ and _postgres_up():
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/candor"

from candor.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; argon2 tested apart
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://localhost/"
STRIPE_SECRET_KEY = "sk_test_candor"
STRIPE_WEBHOOK_SECRET = "whsec_candor_tests"
STRIPE_API_BASE = "https://api.stripe.com"
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"  # noqa: F405
SITE_URL = "http://testserver"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], PROJECT_DIR / "tests" / "templates"]  # noqa: F405
# The test-only script a test registers as a tag (the Content-Security-Policy allows no inline
# script, so it is a file, as a real tag would be).
STATICFILES_DIRS = [*STATICFILES_DIRS, PROJECT_DIR / "tests" / "static"]  # noqa: F405
PAGE_CACHE_SECONDS = 0  # on in the tests of the page cache itself

# One test database per run, so concurrent runs on one server never collide.
DATABASES["default"].setdefault("TEST", {})["NAME"] = (  # noqa: F405
    f"test_candor_{os.getpid()}" if DATABASES["default"]["ENGINE"].endswith("postgresql") else None  # noqa: F405
)

# The server log and the page counter buffer in memory (candor.privacy.request_logs,
# candor.insights.middleware). Here nothing is written unless a test asks for it, so no other
# test's pinned query count sees a batch; tests/conftest.py discards what each test left.
REQUEST_LOG_BATCH_SIZE = PAGE_VIEW_BATCH_ROWS = 10**9
REQUEST_LOG_FLUSH_SECONDS = PAGE_VIEW_FLUSH_SECONDS = 10**9

# Order screening (P25) runs on every order, but its velocity limits are out of reach here, so
# tests that place many orders for one customer test what they say; tests/orders/
# test_screening*.py and tests/checkout/test_screening*.py set the limits they test.
ORDER_SCREENING_RULES = {  # noqa: F405
    **ORDER_SCREENING_RULES,  # noqa: F405
    "velocity": {
        key: {window: (None, None) for window in windows}
        for key, windows in ORDER_SCREENING_RULES["velocity"].items()  # noqa: F405
    },
}
