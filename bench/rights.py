"""Time export and erasure of one customer's data in a large shop on PostgreSQL (P20).

    python bench/rights.py \\
        --database-url postgres://postgres@127.0.0.1:5432/candor_bench_rights

Recreates the database named in the URL (its name must contain "bench"), migrates it, writes a
catalogue with bench/seed.py's COPY, then, each table with one INSERT … SELECT over
generate_series (the database does the work): 100,000 customers (verified sign-in address,
an address, half of them subscribed, a cookie choice), 1,000,000 orders with 1 to 4 lines, a
status change, a screening result and a payment each (a fifth of them guest orders, one in ten
typed in capitals), 300,000 outbox messages, 1,000,000 server-log rows, support threads,
survey responses and testimonials. Then the subjects, through the same path: three customers
with 200 orders each and one with 20, each with lines, screening results, payments, outbox
mail, server-log rows (and anonymous rows from the same IP address), cookie choices, a
support thread, a survey answer, a testimonial, a cart, addresses and a subscription.

It times, for a 200-order customer, export_subject and build_export_zip (--repeat times,
median) and preview_erasure, then erase_subject once per fresh subject (erasure is
destructive: the three 200-order subjects give three runs), and the scan that proves the
erasure (privacy.scan.scan_for, which reads every text column of every table). Every
holder's calls run inside CaptureQueriesContext: the table of queries per holder for the
200-order and the 20-order subject shows whether they grow with the number of orders.
Results go to bench/results/<date>-rights.md.

    python bench/rights.py --reuse   # new subjects in the database already seeded; time again

Targets: export (the ZIP) and erasure each under 2 s; queries per holder the same for 20
and 200 orders.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_DIR / "bench"
sys.path.insert(0, str(BENCH_DIR))

import seed  # noqa: E402  (bench/seed.py: database set-up and the catalogue)
from common import Steps, h, insert_select, machine_load, open_shop, start_shop  # noqa: E402
from load import cpu_idle  # noqa: E402  (bench/load.py: how busy the machine is)

TARGET_SECONDS = 2.0
BIG, SMALL = 200, 20  # orders of the subjects compared


def _sql(model, expressions: dict[str, str], source: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(insert_select(model, expressions, source))


def seed_people(customers: int, orders: int) -> None:
    """Customers and everything the shop holds about them, written by the database."""
    from allauth.account.models import EmailAddress
    from django.db import connection

    from candor.accounts.models import Address, User
    from candor.catalog.models import Product
    from candor.engagement.support.models import Message, Thread
    from candor.engagement.surveys.models import Answer, Response
    from candor.engagement.testimonials.models import Testimonial, TestimonialConsent
    from candor.messaging.models import OutboxMessage, Subscription, SubscriptionEvent
    from candor.messaging.subscriptions import newsletter_topic
    from candor.orders.models import Order, OrderLine, OrderStatusChange, ScreeningResult
    from candor.payments.models import Payment
    from candor.privacy.models import ConsentRecord, RequestLog

    people = f"generate_series(1, {customers}) n"
    email = "'customer' || n || '@example.com'"
    _sql(
        User,
        {
            "id": "n",
            "email": email,
            "password": "'!'",
            "first_name": "'Customer'",
            "last_name": "'Number' || n",
            "phone": "'+92300' || lpad(n::text, 7, '0')",
            "date_joined": "now() - (n % 700) * interval '1 day'",
        },
        people,
    )
    _sql(
        EmailAddress,
        {"user_id": "n", "email": email, "verified": "TRUE", "primary": "TRUE"},
        people,
    )
    _sql(
        Address,
        {
            "owner_id": "n",
            "name": "'Customer Number' || n",
            "line1": "'House ' || n || ', Mall Road'",
            "city": "'Lahore'",
            "country": "'PK'",
            "phone": "'+92300' || lpad(n::text, 7, '0')",
            "is_default_shipping": "TRUE",
            "created_at": "now()",
            "updated_at": "now()",
        },
        people,
    )
    topic = newsletter_topic().pk
    _sql(
        Subscription,
        {
            "email": email,
            "topic_id": str(topic),
            "status": "'confirmed'",
            "source": "'footer form'",
            "requested_at": "now()",
            "confirmed_at": "now()",
        },
        f"{people} WHERE n % 2 = 0",
    )
    _sql(
        SubscriptionEvent,
        {"subscription_id": "s.id", "action": "'confirmed'", "source": "'link'", "at": "now()"},
        f"{Subscription._meta.db_table} s",
    )
    _sql(
        ConsentRecord,
        {
            "user_id": "n",
            "categories": "'[\"analytics\"]'::jsonb",
            "source": "'banner'",
            "created_at": "now()",
        },
        people,
    )

    # Orders: the owner is a hash of the order number; a fifth are guest orders (no account,
    # the same address), one address in ten typed in capitals.
    owner = f"(1 + {h(1)} % {customers})"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_variant AS SELECT row_number() OVER (ORDER BY v.id) AS n, "
            "v.id, v.sku, v.price, p.name FROM catalog_variant v JOIN catalog_product p "
            "ON p.id = v.product_id WHERE v.is_active AND p.is_active"
        )
        cursor.execute("SELECT count(*) FROM bench_variant")
        variants = cursor.fetchone()[0]
        cursor.execute(
            "CREATE TEMP TABLE bench_line AS SELECT o AS order_id, v.id AS variant_id, v.sku, "
            f"v.name, v.price FROM generate_series(1, {orders}) o "
            f"CROSS JOIN LATERAL generate_series(1, 1 + {h(5)} % 4) k "
            f"JOIN bench_variant v ON v.n = 1 + {h(7, 'o * 7 + k')} % {variants}"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_total AS SELECT order_id, sum(price) AS subtotal "
            "FROM bench_line GROUP BY order_id"
        )
    order_email = f"'customer' || {owner} || '@example.com'"
    _sql(
        Order,
        {
            "id": "o",
            "number": "'BR-' || lpad(o::text, 9, '0')",
            "checkout_token": "md5(o::text)::uuid",
            "user_id": f"CASE WHEN {h(2)} % 5 = 0 THEN NULL ELSE {owner} END",
            "status": "'delivered'",
            "payment_method": "'cod'",
            "email": f"CASE WHEN {h(8)} % 10 = 0 THEN upper({order_email}) ELSE {order_email} END",
            "phone": f"'+92300' || lpad({owner}::text, 7, '0')",
            "shipping_name": f"'Customer Number' || {owner}",
            "shipping_line1": f"'House ' || {owner} || ', Mall Road'",
            "shipping_city": "'Lahore'",
            "shipping_country": "'PK'",
            "billing_same_as_shipping": "TRUE",
            "shipping_method_name": "'Standard delivery'",
            "currency": "'PKR'",
            "subtotal": "t.subtotal",
            "shipping_cost": "250",
            "total": "t.subtotal + 250",
            "created_at": f"now() - ({orders} - o) * interval '30 seconds'",
            "updated_at": "now()",
        },
        f"generate_series(1, {orders}) o JOIN bench_total t ON t.order_id = o",
    )
    lines = "bench_line l"
    _sql(
        OrderLine,
        {
            "order_id": "l.order_id",
            "variant_id": "l.variant_id",
            "sku": "l.sku",
            "product_name": "l.name",
            "unit_price": "l.price",
            "quantity": "1",
            "line_total": "l.price",
        },
        lines,
    )
    every_order = f"generate_series(1, {orders}) o"
    _sql(
        OrderStatusChange,
        {
            "order_id": "o",
            "from_status": "''",
            "to_status": "'pending_payment'",
            "note": "'Placed online'",
            "created_at": "now()",
        },
        every_order,
    )
    ip = f"('10.' || {h(9)} % 250 || '.' || {h(10)} % 250 || '.' || {h(11)} % 250)::inet"
    _sql(
        ScreeningResult,
        {
            "order_id": "o",
            "screener": "'rules'",
            "outcome": "'accept'",
            "score": "10",
            "ip": ip,
            "created_at": "now()",
        },
        every_order,
    )
    _sql(
        Payment,
        {
            "order_id": "o.id",
            "method": "CASE WHEN o.id % 5 = 0 THEN 'card' ELSE 'cod' END",
            "amount": "o.total",
            "currency": "'PKR'",
            "status": "'succeeded'",
            "provider_reference": "CASE WHEN o.id % 5 = 0 THEN 'pi_bench_' || o.id END",
            "created_at": "now()",
            "updated_at": "now()",
        },
        f"{Order._meta.db_table} o",
    )
    outbox = max(1, orders * 3 // 10)
    _sql(
        OutboxMessage,
        {
            "mail_class": "'transactional'",
            "template": "'orders/placed'",
            "to_email": f"'customer' || (1 + {h(12)} % {customers}) || '@example.com'",
            "subject": "'Your order BR-' || lpad(o::text, 9, '0')",
            "body_text": "'Thank you for your order. We will let you know when it ships.'",
            "idempotency_key": "'bench-' || o",
            "status": "'sent'",
            "created_at": "now()",
            "sent_at": "now()",
        },
        f"generate_series(1, {outbox}) o",
    )
    logs = orders  # as many server-log rows as orders; a third signed in
    _sql(
        RequestLog,
        {
            "at": "now() - o * interval '1 second'",
            "ip": f"('10.' || {h(13)} % 250 || '.' || {h(14)} % 250 || '.' || {h(15)} % 250)::inet",
            "user_agent": "'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0'",
            "browser": "'Firefox'",
            "os": "'Linux'",
            "method": "'GET'",
            "path": "'/p/phone-' || o % 2000 || '/'",
            "status": "200",
            "user_id": f"CASE WHEN o % 3 = 0 THEN 1 + {h(16)} % {customers} END",
        },
        f"generate_series(1, {logs}) o",
    )
    threads = max(1, customers // 5)
    _sql(
        Thread,
        {
            "id": "n",
            "number": "'S-' || lpad(n::text, 8, '0')",
            "submit_token": "md5('thread' || n)::uuid",
            "customer_id": "n",
            "name": "'Customer Number' || n",
            "email": email,
            "subject": "'Where is my order?'",
            "created_at": "now()",
            "updated_at": "now()",
        },
        f"generate_series(1, {threads}) n",
    )
    _sql(
        Message,
        {
            "thread_id": "n",
            "author_kind": "'customer'",
            "body": "'It has not arrived yet.'",
            "created_at": "now()",
        },
        f"generate_series(1, {threads}) n",
    )
    survey, question = _survey()
    responders = max(1, customers // 10)
    _sql(
        Response,
        {
            "survey_id": str(survey),
            "user_id": "n",
            "contact_ok": "TRUE",
            "created": "now()::date",
            "token": "md5('response' || n)::uuid",
        },
        f"generate_series(1, {responders}) n",
    )
    _sql(
        Answer,
        {"response_id": "r.id", "question_id": str(question), "text": "'Quick delivery.'"},
        f"{Response._meta.db_table} r",
    )
    product = Product.objects.order_by("pk").values_list("pk", flat=True).first()
    _sql(
        TestimonialConsent,
        {
            "user_id": "n",
            "product_id": str(product),
            "name_form": "'full'",
            "wording_version": "'1'",
            "wording_sha256": f"'{'0' * 64}'",
            "given_at": "now()",
        },
        f"generate_series(1, {max(1, customers // 20)}) n",
    )
    _sql(
        Testimonial,
        {
            "consent_id": "c.id",
            "text": "'A lovely phone, thanks.'",
            "display_name": "'Customer'",
            "created_at": "now()",
            "updated_at": "now()",
        },
        f"{TestimonialConsent._meta.db_table} c",
    )
    seed.reset_sequences(User, Order, Thread)


def _survey() -> tuple[int, int]:
    from django.utils import timezone

    from candor.engagement.surveys.models import Question, Survey

    now = timezone.now()
    survey, _ = Survey.objects.get_or_create(
        slug="how",
        defaults={
            "title": "How did we do?",
            "status": "published",
            "opens_at": now - dt.timedelta(days=1),
            "closes_at": now + dt.timedelta(days=365),
        },
    )
    question, _ = Question.objects.get_or_create(
        survey=survey, text="Anything else?", defaults={"kind": "text"}
    )
    return survey.pk, question.pk


def seed_subject(tag: str, orders: int) -> tuple[int, str]:
    """One customer with `orders` orders (half of them as a guest, the address in capitals)
    and something in every app, written the same way; returns (user id, email)."""
    from allauth.account.models import EmailAddress
    from django.db import connection

    from candor.accounts.models import Address, User
    from candor.cart.models import Cart, CartLine
    from candor.catalog.models import Product, Variant
    from candor.engagement.support.models import Message, Thread
    from candor.engagement.surveys.models import Answer, Response
    from candor.engagement.testimonials.models import Testimonial, TestimonialConsent
    from candor.messaging.models import OutboxMessage, Subscription, SubscriptionEvent
    from candor.messaging.subscriptions import newsletter_topic
    from candor.orders.models import Order, OrderLine, OrderStatusChange, ScreeningResult
    from candor.payments.models import Payment
    from candor.privacy.models import ConsentRecord, RequestLog

    email = f"zora.{tag}@example.org"
    name = f"Zora Quill{tag}"
    phone = f"+9233355{int(tag) % 100000:05d}"
    ip = f"203.0.113.{1 + int(tag) % 250}"
    one = "generate_series(1, 1) n"
    _sql(
        User,
        {
            "email": f"'{email}'",
            "password": "'!'",
            "first_name": "'Zora'",
            "last_name": f"'Quill{tag}'",
            "phone": f"'{phone}'",
            "date_joined": "now()",
        },
        one,
    )
    user = User.objects.get(email=email).pk
    _sql(
        EmailAddress,
        {"user_id": str(user), "email": f"'{email}'", "verified": "TRUE", "primary": "TRUE"},
        one,
    )
    _sql(
        Address,
        {
            "owner_id": str(user),
            "name": f"'{name}'",
            "line1": "'House ' || n || ', Zephyr Walk'",
            "city": "'Lahore'",
            "country": "'PK'",
            "phone": f"'{phone}'",
            "is_default_shipping": "n = 1",
            "created_at": "now()",
            "updated_at": "now()",
        },
        "generate_series(1, 2) n",
    )
    topic = newsletter_topic().pk
    _sql(
        Subscription,
        {
            "email": f"'{email}'",
            "topic_id": str(topic),
            "status": "'confirmed'",
            "source": "'footer form'",
            "requested_at": "now()",
            "confirmed_at": "now()",
        },
        one,
    )
    _sql(
        SubscriptionEvent,
        {"subscription_id": "s.id", "action": "a.action", "source": "'link'", "at": "now()"},
        f"{Subscription._meta.db_table} s CROSS JOIN (VALUES ('requested'), ('confirmed')) "
        f"a(action) WHERE s.email = '{email}'",
    )
    _sql(
        ConsentRecord,
        {
            "user_id": str(user),
            "categories": "'[\"analytics\"]'::jsonb",
            "source": "'banner'",
            "created_at": "now()",
        },
        "generate_series(1, 3) n",
    )
    variants = list(Variant.objects.order_by("pk").values_list("pk", "sku", "price")[:50])
    values = ", ".join(
        f"({i}, {pk}, '{sku}', {price})" for i, (pk, sku, price) in enumerate(variants)
    )
    prefix = f"RS-{tag}-"
    _sql(
        Order,
        {
            "number": f"'{prefix}' || lpad(o::text, 4, '0')",
            "checkout_token": f"md5('{prefix}' || o)::uuid",
            "user_id": f"CASE WHEN o % 2 = 0 THEN {user} END",
            "status": "'delivered'",
            "payment_method": "'cod'",
            "email": f"CASE WHEN o % 2 = 0 THEN '{email}' ELSE upper('{email}') END",
            "phone": f"'{phone}'",
            "shipping_name": f"'{name}'",
            "shipping_line1": "'9 Zephyr Walk'",
            "shipping_city": "'Lahore'",
            "shipping_postcode": "'54000'",
            "shipping_country": "'PK'",
            "billing_same_as_shipping": "TRUE",
            "note": f"'Call {name}'",
            "shipping_method_name": "'Standard delivery'",
            "currency": "'PKR'",
            "subtotal": "1000",
            "shipping_cost": "250",
            "total": "1250",
            "created_at": "now() - o * interval '1 day'",
            "updated_at": "now()",
        },
        f"generate_series(1, {orders}) o",
    )
    mine = f"{Order._meta.db_table} o WHERE o.number LIKE '{prefix}%'"
    _sql(
        OrderLine,
        {
            "order_id": "o.id",
            "variant_id": "v.pk",
            "sku": "v.sku",
            "product_name": "'Bench phone'",
            "unit_price": "v.price",
            "quantity": "1",
            "line_total": "v.price",
        },
        f"{Order._meta.db_table} o JOIN (VALUES {values}) v(i, pk, sku, price) "
        f"ON v.i < 1 + o.id % 4 WHERE o.number LIKE '{prefix}%'",
    )
    _sql(
        OrderStatusChange,
        {
            "order_id": "o.id",
            "from_status": "''",
            "to_status": "'pending_payment'",
            "note": "'Placed online'",
            "created_at": "now()",
        },
        mine,
    )
    _sql(
        ScreeningResult,
        {
            "order_id": "o.id",
            "screener": "'rules'",
            "outcome": "'accept'",
            "score": "10",
            "ip": f"'{ip}'::inet",
            "created_at": "now()",
        },
        mine,
    )
    _sql(
        Payment,
        {
            "order_id": "o.id",
            "method": "'card'",
            "amount": "o.total",
            "currency": "'PKR'",
            "status": "'succeeded'",
            "provider_reference": f"'cs_subject_{tag}_' || o.id",
            "created_at": "now()",
            "updated_at": "now()",
        },
        mine,
    )
    _sql(
        OutboxMessage,
        {
            "mail_class": "'transactional'",
            "template": "'orders/placed'",
            "to_email": f"'{email}'",
            "subject": "'Your order ' || o.number",
            "body_text": f"'Dear {name}, thank you for your order.'",
            "idempotency_key": "'subject-' || o.number",
            "status": "'sent'",
            "created_at": "now()",
            "sent_at": "now()",
        },
        mine,
    )
    _sql(
        RequestLog,
        {
            "at": "now() - n * interval '1 minute'",
            "ip": f"'{ip}'::inet",
            "user_agent": "'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0'",
            "method": "'GET'",
            "path": "'/account/'",
            "status": "200",
            # The same address before signing in: a row with no account.
            "user_id": f"CASE WHEN n % 10 = 0 THEN NULL ELSE {user} END",
        },
        f"generate_series(1, {2 * orders}) n",
    )
    _sql(
        Thread,
        {
            "number": f"'S-{tag}'",
            "submit_token": f"md5('thread-{tag}')::uuid",
            "customer_id": str(user),
            "name": f"'{name}'",
            "email": f"'{email}'",
            "subject": f"'Order for {name}'",
            "created_at": "now()",
            "updated_at": "now()",
        },
        one,
    )
    _sql(
        Message,
        {
            "thread_id": "t.id",
            "author_kind": "'customer'",
            "body": f"'Please call me on {phone}.'",
            "created_at": "now()",
        },
        f"{Thread._meta.db_table} t CROSS JOIN generate_series(1, 3) n WHERE t.number = 'S-{tag}'",
    )
    survey, question = _survey()
    _sql(
        Response,
        {
            "survey_id": str(survey),
            "user_id": str(user),
            "contact_ok": "TRUE",
            "created": "now()::date",
            "token": f"md5('response-{tag}')::uuid",
        },
        one,
    )
    _sql(
        Answer,
        {"response_id": "r.id", "question_id": str(question), "text": f"'Signed, {name}'"},
        f"{Response._meta.db_table} r WHERE r.user_id = {user}",
    )
    product = Product.objects.order_by("pk").values_list("pk", flat=True).first()
    _sql(
        TestimonialConsent,
        {
            "user_id": str(user),
            "product_id": str(product),
            "name_form": "'full'",
            "wording_version": "'1'",
            "wording_sha256": f"'{'0' * 64}'",
            "given_at": "now()",
        },
        one,
    )
    _sql(
        Testimonial,
        {
            "consent_id": "c.id",
            "text": "'A lovely phone, thanks.'",
            "display_name": f"'{name}'",
            "created_at": "now()",
            "updated_at": "now()",
        },
        f"{TestimonialConsent._meta.db_table} c WHERE c.user_id = {user}",
    )
    _sql(Cart, {"user_id": str(user), "created_at": "now()", "updated_at": "now()"}, one)
    _sql(
        CartLine,
        {"cart_id": "c.id", "variant_id": str(variants[0][0]), "quantity": "1"},
        f"{Cart._meta.db_table} c WHERE c.user_id = {user}",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {mine}")
        assert cursor.fetchone()[0] == orders
    return user, email


# --- measuring ----------------------------------------------------------------------------


class Counter:
    """Wraps every registered holder so that each call runs inside CaptureQueriesContext,
    keeping, per (action, app label), the number of queries and their time."""

    def __init__(self) -> None:
        self.queries: dict[tuple[str, str], int] = {}
        self.slowest: list[tuple[float, str, str]] = []

    def wrap(self, holder):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def counted(action, call):
            def run(*args):
                with CaptureQueriesContext(connection) as captured:
                    result = call(*args)
                self.queries[(action, holder.app_label)] = len(captured.captured_queries)
                for query in captured.captured_queries:
                    self.slowest.append((float(query["time"]), holder.app_label, query["sql"]))
                return result

            return run

        return dataclasses.replace(
            holder,
            export=counted("export", holder.export),
            preview=counted("preview", holder.preview),
            erase=counted("erase", holder.erase),
        )

    def patch(self):
        """Make export.py and erasure.py run the wrapped holders."""
        from candor.privacy import erasure, export, registry

        def wrapped():
            return [self.wrap(h) for h in registry.holders()]

        export.holders = erasure.holders = wrapped

    @staticmethod
    def unpatch():
        from candor.privacy import erasure, export, registry

        export.holders = erasure.holders = registry.holders


def timed(call, repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/candor_bench_rights"
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="new subjects in the seeded database")
    parser.add_argument("--no-scan", action="store_true", help="do not time the proof scan")
    parser.add_argument("--no-save", action="store_true", help="print only; write no results")
    parser.add_argument("--note", default="", help="a line added to the results file")
    args = parser.parse_args(argv)

    step = Steps()
    open_shop(args.database_url, reuse=args.reuse, step=step)

    from django.db import connection, transaction

    from candor.accounts.models import User
    from candor.orders.models import Order, OrderLine
    from candor.privacy import erasure, export
    from candor.privacy.registry import holders
    from candor.privacy.scan import identifying_values, scan_for
    from candor.privacy.subjects import Subject

    seeded_in = None
    if not args.reuse:
        start_shop(args.products, step)
        with transaction.atomic():
            seed_people(args.customers, args.orders)
        step(
            f"{User.objects.count():,} customers, {Order.objects.count():,} orders, "
            f"{OrderLine.objects.count():,} lines and the rest"
        )
    run = f"{int(time.time()) % 100000:05d}"
    sizes = [BIG, BIG, BIG, SMALL]
    subjects = []
    with transaction.atomic():
        for i, orders in enumerate(sizes):
            user, email = seed_subject(f"{run}{i}", orders)
            subjects.append((orders, Subject(user_id=user, emails=frozenset({email}))))
    step(f"subjects: {', '.join(str(n) for n in sizes)} orders")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    step("vacuum analyze")
    if not args.reuse:
        seeded_in = step.elapsed

    load = machine_load()
    idle = cpu_idle(0.5)
    big, small = subjects[0][1], subjects[-1][1]
    step(f"timing (load average {load}, {idle:.0%} idle)")

    # Queries per holder, for the 200-order and the 20-order subject, after a first export
    # has filled the per-process caches (content types) the holders use.
    export.export_subject(small)
    counter = {BIG: Counter(), SMALL: Counter()}
    for orders, subject in ((BIG, big), (SMALL, small)):
        counter[orders].patch()
        try:
            export.export_subject(subject)
            erasure.preview_erasure(subject)
        finally:
            Counter.unpatch()

    figures: dict[str, list[float]] = {}
    figures["export_subject"] = timed(lambda: export.export_subject(big), args.repeat)
    archive = export.build_export_zip(big)
    figures["build_export_zip"] = timed(lambda: export.build_export_zip(big), args.repeat)
    figures["preview_erasure"] = timed(lambda: erasure.preview_erasure(big), args.repeat)
    exported = export.export_subject(big)
    rows = sum(len(r) for models in exported.values() for r in models.values())
    step(f"export of {rows:,} rows, ZIP {len(archive):,} bytes")
    for name, runs in figures.items():
        step(f"{name}: median {statistics.median(runs):.3f} s (fastest {min(runs):.3f} s)")

    # Erasure: once per fresh subject.
    values = identifying_values(exported) | set(big.emails)
    erased, results = [], {}
    for orders, subject in subjects:
        if orders == SMALL:
            continue
        counter_big = Counter()
        counter_big.patch()
        try:
            began = time.perf_counter()
            results = erasure.erase_subject(subject)
            erased.append(time.perf_counter() - began)
        finally:
            Counter.unpatch()
        counter[BIG].queries.update(counter_big.queries)
        counter[BIG].slowest += counter_big.slowest
    figures["erase_subject"] = erased
    counter[SMALL].patch()
    try:
        erasure.erase_subject(small)
    finally:
        Counter.unpatch()
    changed = sum(n for models in results.values() for c in models.values() for n in c.values())
    step(
        f"erase_subject: {', '.join(f'{s:.3f}' for s in erased)} s "
        f"({changed:,} rows deleted, pseudonymized or kept per run)"
    )
    scan_seconds, hits = None, None
    if not args.no_scan:
        began = time.perf_counter()
        hits = scan_for(values)
        scan_seconds = time.perf_counter() - began
        step(f"scan for {len(values)} values after erasure: {scan_seconds:.1f} s, {len(hits)} hits")

    table = []
    for holder in holders():
        row = [holder.app_label]
        for action in ("export", "preview", "erase"):
            row.append(
                (
                    counter[SMALL].queries.get((action, holder.app_label)),
                    counter[BIG].queries.get((action, holder.app_label)),
                )
            )
        table.append(row)
    constant = all(a == b for row in table for a, b in row[1:])
    slowest = sorted(counter[BIG].slowest, reverse=True)[:5]

    print()
    print(f"{'holder':<16} {'export 20/200':>14} {'preview 20/200':>15} {'erase 20/200':>13}")
    for app, *cells in table:
        print(f"{app:<16} " + " ".join(f"{f'{a}/{b}':>14}" for a, b in cells))
    print()
    verdicts = {}
    for name in ("build_export_zip", "preview_erasure", "erase_subject"):
        median = statistics.median(figures[name])
        verdicts[name] = "met" if median < TARGET_SECONDS else "NOT met"
        print(
            f"{name}: median {median:.3f} s; target (under {TARGET_SECONDS:.0f} s) {verdicts[name]}"
        )
    print(
        f"queries per holder the same for {SMALL} and {BIG} orders: {'yes' if constant else 'NO'}"
    )
    print("slowest queries (200 orders):")
    for seconds, app, sql in slowest:
        print(f"  {seconds:.3f} s {app}: {sql[:160]}")
    if not args.no_save:
        write_results(
            args,
            figures,
            table,
            constant,
            verdicts,
            slowest,
            rows,
            len(archive),
            changed,
            scan_seconds,
            hits,
            values,
            seeded_in,
            load,
            idle,
        )


def write_results(
    args,
    figures,
    table,
    constant,
    verdicts,
    slowest,
    rows,
    archive_bytes,
    changed,
    scan_seconds,
    hits,
    values,
    seeded_in,
    load,
    idle,
) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=PROJECT_DIR
    ).stdout.strip()
    lines = [
        f"# Export and erasure, {dt.date.today():%Y-%m-%d}",
        "",
        f"Machine: {os.cpu_count()} cores, shared with other work (load average before timing: "
        f"{load}; {idle:.0%} idle). PostgreSQL {server}, Python {platform.python_version()}, "
        f"commit {commit or 'unknown'} plus the working tree. Command: "
        f"`python bench/rights.py --customers {args.customers} --orders {args.orders} "
        f"--repeat {args.repeat}{' --reuse' if args.reuse else ''}`.",
        "",
    ]
    if seeded_in is not None:
        lines += [
            f"Seeded {args.customers:,} customers, {args.orders:,} orders with their lines and "
            f"the rest, and the subjects in {seeded_in:.0f} s.",
            "",
        ]
    if args.note:
        lines += [args.note, ""]
    lines += [
        f"The subject: {BIG} orders (half as a guest), {rows:,} rows in its export, a ZIP of "
        f"{archive_bytes:,} bytes; erasure changed {changed:,} rows.",
        "",
        "| step | runs | median | fastest | slowest | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, runs in figures.items():
        verdict = verdicts.get(name, "")
        target = f"under {TARGET_SECONDS:.0f} s: {verdict}" if verdict else ""
        lines.append(
            f"| `{name}` | {len(runs)} | {statistics.median(runs):.3f} s | {min(runs):.3f} s | "
            f"{max(runs):.3f} s | {target} |"
        )
    if scan_seconds is not None:
        lines += [
            "",
            f"The proof scan after erasure (`scan_for`, {len(values)} values, every text column "
            f"of every table): {scan_seconds:.1f} s, {len(hits)} hits.",
        ]
    lines += [
        "",
        f"Queries per holder, subject with {SMALL} orders / with {BIG} orders "
        f"(the same: {'yes' if constant else 'NO'}):",
        "",
        "| holder | export | preview | erase |",
        "|---|---:|---:|---:|",
    ]
    for app, *cells in table:
        lines.append(f"| {app} | " + " | ".join(f"{a} / {b}" for a, b in cells) + " |")
    lines += ["", "Slowest queries (200 orders):", ""]
    for seconds, app, sql in slowest:
        lines.append(f"- {seconds:.3f} s, {app}: `{sql[:200]}`")
    lines.append("")
    path = BENCH_DIR / "results" / f"{dt.date.today():%Y-%m-%d}-rights.md"
    path.write_text("\n".join(lines))
    print(f"Wrote {path.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()
