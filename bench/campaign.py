"""Send a campaign to many confirmed subscribers through real Celery workers (P7).

    python bench/campaign.py --sizes 10000 50000 --workers 2 \\
        --database-url postgres://postgres@127.0.0.1:5432/candor_bench_mail

Recreates the database named in the URL (its name must contain "bench"), starts a local SMTP
sink (bench/smtp_sink.py) and --workers Celery workers (one process each) on Redis, then for
each size: writes that many confirmed newsletter subscriptions with COPY, starts a campaign
the way the back office does, and waits until every message is recorded as sent. It prints
messages per second from the click to the last message, each worker's peak memory, and the
ratio to a baseline measured in the same run: one process sending pre-built messages over
one SMTP connection to the same sink, as fast as it can (the sink's ceiling). Results go to
bench/results/<date>-campaign.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_DIR / "bench"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to recreate {name!r}: the database name must contain 'bench'.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def memory_kib(pid: int) -> int:
    """Peak resident memory (VmHWM) of a process and its children, in KiB."""
    total = 0
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
    except FileNotFoundError:
        return 0
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total = max(total, int(line.split()[1]))
        except FileNotFoundError:
            pass
    return total


def baseline(port: int, count: int) -> float:
    """Messages/s one process gets into the sink over one connection, no database at all."""
    message = EmailMessage()
    message["From"] = "shop@candor.example"
    message["Subject"] = "Baseline"
    message.set_content("x" * 1500)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(count):
            del message["To"]
            message["To"] = f"reader{n}@example.com"
            smtp.send_message(message)
    return count / (time.perf_counter() - started)


def seed_subscribers(database_url: str, topic_id: int, size: int) -> None:
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(database_url) as conn:
        conn.execute("TRUNCATE messaging_subscriptionevent, messaging_subscription CASCADE")
        conn.execute("TRUNCATE messaging_outboxmessage")
        with conn.cursor().copy(
            "COPY messaging_subscription (email, topic_id, status, source, requested_at,"
            " confirm_nonce, confirmed_at, confirmed_policy_version) FROM STDIN"
        ) as copy:
            for n in range(size):
                copy.write_row(
                    (f"reader{n}@example.com", topic_id, "confirmed", "bench", now, "", now, "b")
                )
        conn.execute("ANALYZE messaging_subscription")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/candor_bench_mail"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--baseline-messages", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    smtp_port = free_port()
    env = {
        **os.environ,
        "CANDOR_ENV": "embedded",
        "DEBUG": "false",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "PYTHONPATH": str(PROJECT_DIR / "src"),
        "DJANGO_SETTINGS_MODULE": "candor.settings",
    }
    recreate_database(args.database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT_DIR, env=env, check=True
    )
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT_DIR / "src"))
    import django

    django.setup()
    import redis

    from candor.campaigns import services
    from candor.campaigns.models import Campaign
    from candor.messaging import subscriptions
    from candor.messaging.models import OutboxMessage

    redis.Redis.from_url(args.redis_url).flushdb()
    sink = subprocess.Popen(
        [sys.executable, str(BENCH_DIR / "smtp_sink.py"), "--port", str(smtp_port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout.readline().strip() == "ready"
    ceiling = baseline(smtp_port, args.baseline_messages)
    print(f"baseline: one process, one SMTP connection, no database: {ceiling:,.0f} msg/s")

    workers = [
        subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "candor",
                "worker",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"bench{n}@%h",
                "--loglevel",
                "WARNING",
            ],
            cwd=PROJECT_DIR,
            env=env,
        )
        for n in range(args.workers)
    ]
    rows = []
    try:
        time.sleep(5)  # let the workers connect
        topic = subscriptions.newsletter_topic()
        for size in args.sizes:
            seed_subscribers(args.database_url, topic.pk, size)
            campaign = Campaign.objects.create(
                subject="Bench offers", intro="Hello.\n\nOur offers.", topic=topic
            )
            started = time.perf_counter()
            services.start_sending(campaign_id=campaign.pk, acting_user=None)
            peak = [0] * len(workers)
            sent = 0
            while sent < size:
                if time.perf_counter() - started > args.timeout:
                    sys.exit(f"timed out with {sent} of {size} sent")
                time.sleep(0.5)
                sent = OutboxMessage.objects.filter(
                    mailing=campaign.mailing, status__in=["sent", "failed"]
                ).count()
                peak = [max(p, memory_kib(w.pid)) for p, w in zip(peak, workers, strict=True)]
            seconds = time.perf_counter() - started
            campaign.refresh_from_db()
            written = (campaign.written_at - campaign.started_at).total_seconds()
            print(f"  all {size:,} messages written after {written:.1f} s")
            failed = OutboxMessage.objects.filter(mailing=campaign.mailing, status="failed").count()
            rate = size / seconds
            rows.append((size, seconds, rate, rate / ceiling, failed, peak))
            print(
                f"{size:>7,} subscribers: {seconds:6.1f} s, {rate:6.0f} msg/s "
                f"({rate / ceiling:.2f} of baseline), {failed} failed, "
                f"peak memory per worker: {', '.join(f'{p / 1024:.0f} MiB' for p in peak)}"
            )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        sink.terminate()
        received = sink.communicate(timeout=30)[0].strip()
    print(f"the sink received {received} messages in all (baseline included)")
    write_results(rows, ceiling, args)


def write_results(rows, ceiling: float, args) -> None:
    today = dt.date.today().isoformat()
    lines = [
        f"# Campaign send, {today}",
        "",
        f"Machine: {os.cpu_count()} cores. {args.workers} Celery workers (one process each) on "
        "Redis, PostgreSQL, a local aiosmtpd sink. Command: "
        f"`python bench/campaign.py --sizes {' '.join(map(str, args.sizes))} "
        f"--workers {args.workers}`.",
        "",
        f"Baseline (same run): one process sending pre-built messages over one SMTP connection, "
        f"no database: {ceiling:,.0f} msg/s.",
        "",
        "| subscribers | seconds | messages/s | of baseline | failed | peak memory per worker |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for size, seconds, rate, ratio, failed, peak in rows:
        memory = ", ".join(f"{p / 1024:.0f} MiB" for p in peak)
        lines.append(
            f"| {size:,} | {seconds:.1f} | {rate:,.0f} | {ratio:.2f} | {failed} | {memory} |"
        )
    path = BENCH_DIR / "results" / f"{today}-campaign.md"
    path.write_text("\n".join(lines) + "\n")
    print(f"written to {path.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()
