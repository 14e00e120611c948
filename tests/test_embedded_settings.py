"""The embedded shop (`make run`) is safe to show to others: DEBUG is off unless asked for,
so a mistyped address gets the shop's own "not found" page and an error the shop's own error
page, never Django's debug pages (every URL pattern, a traceback); static files are served by
WhiteNoise straight from the source folders, since runserver serves none without DEBUG. P14.
"""

import subprocess
import sys

import pytest
from django.test import Client

from tests.child_process import PROJECT_DIR, child_env

SHOWN = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.WHITENOISE_USE_FINDERS, s.WHITENOISE_AUTOREFRESH, s.ALLOWED_HOSTS)"
)


def settings_in_a_fresh_process(tmp_path, **extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SHOWN],
        cwd=tmp_path,
        env=child_env(tmp_path, "embedded-settings-test-key", **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_p14_the_embedded_shop_runs_with_debug_off(tmp_path):
    assert settings_in_a_fresh_process(tmp_path) == "False True False ['127.0.0.1', 'localhost']"


def test_p14_the_developer_switch_turns_debug_on(tmp_path):
    assert settings_in_a_fresh_process(tmp_path, DEBUG="1") == (
        "True True True ['127.0.0.1', 'localhost']"
    )


@pytest.mark.django_db
def test_p14_static_files_are_served_without_debug_or_collectstatic():
    response = Client().get("/static/candor/shop.css")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == (PROJECT_DIR / "src/candor/static/candor/shop.css").read_bytes()


@pytest.mark.django_db
def test_p14_a_mistyped_address_gets_the_shop_s_page_not_the_url_list(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page." in page
    assert "Using the URLconf" not in page and "backoffice/" not in page
