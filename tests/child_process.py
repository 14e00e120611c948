"""What a test needs to run the shop's code in another process (a worker, a fresh start-up)."""

import os
from pathlib import Path
from urllib.parse import quote

from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parent.parent


def database_url_of_this_run() -> str:
    """The PostgreSQL database pytest-django created for this run, as a DATABASE_URL."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{quote(db['NAME'], safe='')}"


def child_env(tmp_path: Path, secret_key: str, **extra: str) -> dict[str, str]:
    """A clean environment for the shop in embedded mode, with nothing inherited by chance."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(PROJECT_DIR / "src"),
        "DJANGO_SETTINGS_MODULE": "candor.settings",
        "CANDOR_ENV": "embedded",
        "CANDOR_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": secret_key,
        **extra,
    }
