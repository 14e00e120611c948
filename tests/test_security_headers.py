"""P14: the Content-Security-Policy, Permissions-Policy and Referrer-Policy every page sends, and
templates that need no inline script or style (the browser proof is
tests/e2e/test_content_security_policy.py)."""

import re
from pathlib import Path

import pytest

from candor.core import svg_charts

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parent.parent / "src" / "candor"
# Mail is not a web page (no CSP applies), and the export's index.html is opened from the
# downloaded ZIP, not served.
NOT_SERVED = ("/email/", "privacy/export/index.html")


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_p14_every_page_sends_the_enforced_policy(client, admin_client):
    for response in (client.get("/"), client.get("/privacy/"), admin_client.get("/backoffice/")):
        assert "Content-Security-Policy-Report-Only" not in response
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "https://checkout.stripe.com" in policy["form-action"]
        assert not any("unsafe-inline" in v or "unsafe-eval" in v for v in sum(policy.values(), []))


def test_p14_powerful_features_are_off(client):
    header = client.get("/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in header


def test_p14_no_page_sends_its_address_to_another_site(client):
    assert client.get("/")["Referrer-Policy"] == "same-origin"


def test_p14_report_only_is_a_switch_for_trying_a_new_tag(tmp_path):
    """CSP_REPORT_ONLY=true moves the policy to the report-only header; it is off by default."""
    import subprocess
    import sys

    from tests.child_process import child_env

    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps([bool(getattr(settings, 'CONTENT_SECURITY_POLICY', None)), "
        "bool(getattr(settings, 'CONTENT_SECURITY_POLICY_REPORT_ONLY', None))]))"
    )
    for flag, expected in (("", "[true, false]"), ("true", "[false, true]")):
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=child_env(tmp_path, "k" * 50, CSP_REPORT_ONLY=flag),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.stdout.strip() == expected, done.stderr


def test_p14_templates_have_no_inline_script_style_or_handlers():
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        relative = template.as_posix()
        if any(part in relative for part in NOT_SERVED):
            continue
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"<style\b", text):
            offenders.append(relative)
        if re.search(r"""\sstyle=["']|\son[a-z]+=["']|javascript:""", text):
            offenders.append(relative)
    assert offenders == []


def test_p14_charts_keep_their_style_only_by_the_pages_nonce():
    import pygal

    chart = pygal.Bar(style=svg_charts.STYLE, js=[])
    chart.add("views", [1, 2, 3])
    svg = svg_charts.inline(chart, "Views")
    assert "style=" not in svg.replace("<style", "")
    nonced = svg_charts.with_nonce(svg, "abc123")
    assert re.findall(r"<style[^>]*>", nonced) == ['<style nonce="abc123" type="text/css">']
