"""Redis dies under traffic: the shop keeps selling (docs/security.md, "When Redis or the
database is down").

The production set-up, for real: gunicorn with production settings (CANDOR_ENV=production,
PostgreSQL, the page cache on), cache, sessions and the Celery broker on a redis-server of the
test's own, a real Celery worker with beat (the `deliver-due-mail` sweep every second), and an
SMTP server (aiosmtpd) taking the mail. Shoppers browse, add to their carts and open checkout
all the while; the redis-server is killed with SIGKILL, a guest order is placed during the
outage, then Redis is started again, empty, on the same port.

Counted: no response of 500 or more on the home page, a product page, adding to the cart,
checkout and placing the order; /readyz 503 during the outage and 200 after; every outbox
message (the order placed before the outage and the one placed during it) reaches the mail
server exactly once.
"""

import contextlib
import email
import html
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from email import policy
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from candor.messaging.models import OutboxMessage, OutboxStatus
from candor.orders.models import Order
from tests.child_process import child_env, database_url_of_this_run
from tests.factories import ShippingMethodFactory, VariantFactory
from tests.redis_server import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
START_SECONDS = 60
MAIL_SECONDS = 60
OUTAGE_TRAFFIC_SECONDS = 4  # of traffic against a dead Redis, besides the order placed


class MailServer:
    """Keeps every message it accepts."""

    def __init__(self) -> None:
        self.accepted: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.accepted.append(
            email.message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 OK"

    def message_ids(self) -> Counter:
        return Counter(message["Message-ID"] for message in list(self.accepted))


class Browser:
    """One visitor over plain HTTP, keeping its cookies by hand (production marks them
    Secure, which a cookie jar would not send over http)."""

    def __init__(self, port: int, number: int) -> None:
        self.port, self.cookies = port, {}
        self.headers = {"X-Forwarded-For": f"203.0.113.{number}", "User-Agent": "outage-test"}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, text
        finally:
            connection.close()

    def form_token(self, page: str) -> str:
        return html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1])


def _hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]+)"', page)[1])


class Shop:
    """The running shop: gunicorn and its port, and the log of what every request answered."""

    def __init__(self, port: int, product_path: str, variant_id: int) -> None:
        self.port, self.product_path, self.variant_id = port, product_path, variant_id
        self.answers: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def record(self, what: str, status: int) -> int:
        with self._lock:
            self.answers.append((what, status))
        return status

    def call(self, browser: Browser, what: str, method: str, path: str, form=None):
        try:
            status, headers, page = browser.request(method, path, form)
        except OSError as error:  # a dropped connection is a failure too
            self.record(what, 599)
            raise AssertionError(f"{what}: {error}") from error
        self.record(what, status)
        return status, headers, page

    def shop_a_little(self, browser: Browser) -> None:
        """Home, product, add to cart, open checkout."""
        self.call(browser, "home", "GET", "/")
        _, _, page = self.call(browser, "product", "GET", self.product_path)
        form = {"csrfmiddlewaretoken": browser.form_token(page), "variant": self.variant_id}
        self.call(browser, "cart add", "POST", "/cart/add/", {**form, "quantity": 1})
        self.call(browser, "checkout", "GET", "/checkout/")

    def place_guest_order(self, browser: Browser, email_address: str) -> str:
        """The whole guest checkout; returns where the shop sent the guest after placing."""
        self.shop_a_little(browser)
        status, _, page = self.call(browser, "checkout", "GET", "/checkout/")
        assert status == 200, page[:2000]
        details = {
            "csrfmiddlewaretoken": browser.form_token(page),
            "email": email_address,
            "phone": "03001234567",
            "shipping_name": "Sana Mir",
            "shipping_line1": "1 Mall Road",
            "shipping_city": "Lahore",
            "shipping_country": "PK",
            "billing_same_as_shipping": "on",
        }
        status, headers, page = self.call(browser, "checkout", "POST", "/checkout/", details)
        assert (status, headers["Location"]) == (302, "/checkout/review/"), page[:2000]
        status, _, page = self.call(browser, "checkout", "GET", "/checkout/review/")
        assert status == 200, page[:2000]
        review = {
            "csrfmiddlewaretoken": browser.form_token(page),
            "token": _hidden(page, "token"),
            "cart_digest": _hidden(page, "cart_digest"),
            "shipping_method": re.search(r'name="shipping_method" value="(\d+)"', page)[1],
            "payment_method": "cod",
        }
        status, headers, page = self.call(
            browser, "place order", "POST", "/checkout/review/", review
        )
        assert status == 302, page[:2000]
        return headers["Location"]

    def readiness(self) -> int:
        status, _, _ = Browser(self.port, 250).request("GET", "/readyz")
        return status


def _wait_for(condition, seconds: float, failure: str, logs=()):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if condition():
                return
        time.sleep(0.1)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in logs)
    pytest.fail(f"{failure}\n{tails}")


def _stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):  # then SIGKILL below
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def mail_server():
    handler = MailServer()
    controller = Controller(handler, hostname=HOST, port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def production(transactional_db, tmp_path, own_redis, mail_server, settings):
    """Environment for the shop's processes: production settings on the test's database, its
    own Redis and its SMTP server."""
    _, smtp_port = mail_server
    web_port = free_port()
    env = child_env(
        tmp_path,
        settings.SECRET_KEY,
        CANDOR_ENV="production",
        DEBUG="false",
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"http://{HOST}:{web_port}",
        SECURE_SSL_REDIRECT="false",  # plain http on loopback, no TLS terminator in front
        DATABASE_URL=database_url_of_this_run(),
        REDIS_URL=own_redis.url(),
        EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
        MFA_ENCRYPTION_KEYS=",".join(settings.MFA_ENCRYPTION_KEYS),
        STATIC_ROOT=str(tmp_path / "static"),
        OUTBOX_SWEEP_SECONDS="1",
        OUTBOX_STALE_SENDING_SECONDS="10",
        LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        timeout=180,
    )
    return env, web_port


@pytest.fixture
def processes(production, tmp_path):
    """gunicorn (two workers) and a Celery worker with beat, each in its own process group;
    all stopped afterwards, whatever happened."""
    env, web_port = production
    web_log, worker_log = tmp_path / "gunicorn.log", tmp_path / "worker.log"
    started = []
    with web_log.open("wb") as log:
        started.append(
            subprocess.Popen(
                [str(BIN / "gunicorn"), "candor.wsgi", "--chdir", "src", "--bind",
                 f"{HOST}:{web_port}", "--workers", "2", "--no-control-socket",
                 "--error-logfile", "-", "--log-level", "warning"],
                cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )  # fmt: skip
    with worker_log.open("wb") as log:
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "candor", "worker", "--pool=solo",
                 "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel=INFO", "--beat", "--schedule", str(tmp_path / "beat-schedule")],
                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )  # fmt: skip
    try:
        yield web_port, (web_log, worker_log)
    finally:
        for process in started:
            _stop_group(process)


def test_the_shop_keeps_selling_while_redis_is_down(processes, own_redis, mail_server):
    web_port, logs = processes
    server, _ = mail_server
    variant = VariantFactory(stock=500)
    variant.product.is_featured = True
    variant.product.save()
    ShippingMethodFactory()
    shop = Shop(web_port, variant.product.get_absolute_url(), variant.pk)
    _wait_for(lambda: shop.readiness() == 200, START_SECONDS, "the shop never got ready", logs)

    # Before: an order whose mail goes the usual way (handed to the worker at commit).
    shop.place_guest_order(Browser(web_port, 1), "before@example.com")

    # Shoppers keep coming, each a new visitor, through the outage and after it.
    stop, visitors = threading.Event(), iter(range(10, 10_000))
    problems: list[str] = []

    def traffic():
        while not stop.is_set():
            try:
                shop.shop_a_little(Browser(web_port, next(visitors) % 200 + 2))
            except AssertionError as problem:
                problems.append(str(problem))
            except Exception as problem:  # a page without the form it should have
                problems.append(repr(problem))

    shoppers = threading.Thread(target=traffic, daemon=True)
    shoppers.start()
    try:
        time.sleep(1)
        own_redis.kill()
        _wait_for(lambda: shop.readiness() == 503, 15, "/readyz did not notice", logs)
        during = shop.place_guest_order(Browser(web_port, 2), "during@example.com")
        outage_ends = time.monotonic() + OUTAGE_TRAFFIC_SECONDS
        while time.monotonic() < outage_ends:
            assert shop.readiness() == 503
            time.sleep(0.5)
        own_redis.start()  # empty: whatever was queued is gone
        _wait_for(lambda: shop.readiness() == 200, 30, "/readyz stayed 503", logs)
        time.sleep(1)
    finally:
        stop.set()
        shoppers.join(timeout=60)

    answers = Counter(shop.answers)
    failures = {key: n for key, n in answers.items() if key[1] >= 500}
    assert failures == {}, (answers, problems)
    assert problems == []
    assert urllib.parse.urlsplit(during).path.startswith("/checkout/thanks/")
    kinds = {what for what, _ in answers}
    assert kinds == {"home", "product", "cart add", "checkout", "place order"}
    assert sum(n for (what, _), n in answers.items() if what == "cart add") >= 4

    orders = dict(Order.objects.values_list("email", "status"))
    assert set(orders) == {"before@example.com", "during@example.com"}
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert [row.to_email for row in rows] == ["before@example.com", "during@example.com"]

    def all_sent() -> bool:
        return not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()

    _wait_for(all_sent, MAIL_SECONDS, "the outbox was not emptied after the outage", logs)
    time.sleep(2)  # a second delivery, if there were one, would have time to arrive
    expected = {f"<outbox-{row.pk}@candor>": 1 for row in rows}
    assert dict(server.message_ids()) == expected
    assert dict(OutboxMessage.objects.values_list("to_email", "attempts")) == {
        "before@example.com": 1,
        "during@example.com": 1,
    }
