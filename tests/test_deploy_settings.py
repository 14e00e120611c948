"""P14: production settings are HTTPS-only and refuse to run without a secret key.

Each test runs `manage.py` in a fresh process with only production environment values, as a
server would start. `check` does not connect to the database, so no service is needed.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def production_env(tmp_path):
    """The environment a production web node gets: no test settings, no developer leftovers."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "candor.settings",
        "CANDOR_ENV": "production",
        "CANDOR_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": secrets.token_urlsafe(60),  # 80 random characters
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/candor",
        "ALLOWED_HOSTS": "shop.example.com",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:mail-password@127.0.0.1:587",
        "SITE_URL": "https://shop.example.com",
        "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        cwd=env["HOME"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_in_production_P14(production_env):
    """P14: `check --deploy` finds nothing, not even a warning (HSTS, secure cookies, SSL)."""
    result = _manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.stderr == ""
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert result.returncode == 0


def test_production_settings_are_https_only_P14(production_env):
    """P14: the values behind that clean check: HSTS for a year with preload, secure cookies."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_PROXY_SSL_HEADER, "
        "s.ALLOWED_HOSTS, s.PASSWORD_HASHERS[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=production_env["HOME"],
        env={**production_env, "PYTHONPATH": str(PROJECT_DIR / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stderr == ""
    assert result.stdout == (
        "False True 31536000 True True True True True "
        "('HTTP_X_FORWARDED_PROTO', 'https') ['shop.example.com'] "
        "django.contrib.auth.hashers.Argon2PasswordHasher\n"
    )
    assert result.returncode == 0


def test_production_refuses_to_start_without_secret_key_P14(production_env):
    """P14: with no SECRET_KEY production stops at once, naming it; no key is made up."""
    del production_env["SECRET_KEY"]

    result = _manage(production_env, "check")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.rstrip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: Set the SECRET_KEY environment variable"
    )
    # The embedded fallback (a key file under var/) must not kick in.
    assert not (Path(production_env["CANDOR_VAR_DIR"]) / "secret_key").exists()


def test_production_refuses_an_empty_secret_key_P14(production_env):
    """P14: an empty SECRET_KEY is refused at start-up too, not at the first signed cookie."""
    production_env["SECRET_KEY"] = ""

    result = _manage(production_env, "check")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.rstrip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: "
        "Set the SECRET_KEY environment variable (it is empty)"
    )


@pytest.mark.parametrize(
    "name", ["DATABASE_URL", "EMAIL_URL", "SITE_URL", "ALLOWED_HOSTS", "MFA_ENCRYPTION_KEYS"]
)
def test_production_refuses_to_start_without_its_services_P14(production_env, name):
    """No silent fallback to SQLite, file mail or links to 127.0.0.1 in production."""
    del production_env[name]
    result = _manage(production_env, "check")
    assert result.returncode == 1
    assert f"Set {name} in the environment" in result.stderr


def test_production_survives_a_redis_outage_by_configuration(production_env):
    """With REDIS_URL the cache answers misses while Redis is down (short socket timeouts),
    mail hand-offs to the queue fail fast, sign-in fails closed, and /readyz, like /healthz,
    is answered over plain HTTP to the load balancer (docs/security.md)."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['default'], s.SESSION_ENGINE, s.SECURE_REDIRECT_EXEMPT, "
        "s.CELERY_TASK_PUBLISH_RETRY_POLICY['max_retries'], s.CELERY_BROKER_TRANSPORT_OPTIONS, "
        "'candor.accounts.middleware.SignInNeedsRateLimitsMiddleware' in s.MIDDLEWARE, "
        "s.DATABASES['default']['OPTIONS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=production_env["HOME"],
        env={**production_env, "PYTHONPATH": str(PROJECT_DIR / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stderr == ""
    assert result.stdout == (
        "{'BACKEND': 'candor.core.cache.ResilientRedisCache', "
        "'LOCATION': 'redis://127.0.0.1:6379/0', "
        "'OPTIONS': {'socket_connect_timeout': 0.25, 'socket_timeout': 0.5}} "
        "django.contrib.sessions.backends.cached_db ['^healthz$', '^readyz$'] 1 "
        "{'socket_connect_timeout': 0.25, 'socket_timeout': 2} True {'connect_timeout': 5}\n"
    )


def test_production_refuses_a_key_that_is_not_a_fernet_key_P14(production_env):
    """P14 (issue 11 item 3): a mistyped two-factor key stops start-up, naming which one."""
    production_env["MFA_ENCRYPTION_KEYS"] = f"{Fernet.generate_key().decode()},not-a-key"

    result = _manage(production_env, "check")

    assert result.returncode == 1
    assert "MFA_ENCRYPTION_KEYS: key 2 is not a Fernet key" in result.stderr


def test_production_makes_up_no_two_factor_key_P14(production_env):
    """P14: without MFA_ENCRYPTION_KEYS production stops; the embedded key file under var/
    is neither read nor written."""
    del production_env["MFA_ENCRYPTION_KEYS"]

    result = _manage(production_env, "check")

    assert result.returncode == 1
    assert "Set MFA_ENCRYPTION_KEYS in the environment" in result.stderr
    assert not (Path(production_env["CANDOR_VAR_DIR"]) / "mfa_key").exists()


def test_the_embedded_shop_keeps_its_two_factor_key_under_var_P14(production_env):
    """P14: the embedded default makes one key, private to the shop's user, and keeps it."""
    embedded = {
        key: value
        for key, value in production_env.items()
        if key in ("PATH", "HOME", "LANG", "DJANGO_SETTINGS_MODULE", "CANDOR_VAR_DIR")
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.MFA_ENCRYPTION_KEYS[0])"
    )

    def run():
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=embedded["HOME"],
            env={**embedded, "PYTHONPATH": str(PROJECT_DIR / "src")},
            capture_output=True,
            text=True,
            timeout=60,
        )

    first, second = run(), run()

    key_file = Path(embedded["CANDOR_VAR_DIR"]) / "mfa_key"
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout == key_file.read_text().strip() + "\n"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    Fernet(key_file.read_text().strip())  # a real key
