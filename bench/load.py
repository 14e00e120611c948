"""Serve the seeded shop with gunicorn (production settings) and drive it with wrk.

    python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/candor_bench

Seed the database first with bench/seed.py. For each target the script runs wrk for a short
warm-up, then for --duration seconds at --connections connections, and prints requests/s,
p50 and p99 latency and the ratio to a trivial Django view (/healthz) served the same way:
the framework's ceiling on this machine. The same table goes to
bench/results/<date>-load.md. All traffic goes to 127.0.0.1; gunicorn is always stopped.

    python bench/load.py --privacy-middleware [--redis-url redis://127.0.0.1:6379/14]

measures instead what the privacy middleware (cookie-consent enforcement, the server log, the
page counter) costs: the product page served by two gunicorns started side by side, one with
PRIVACY_MIDDLEWARE=off, measured in turns, as a ratio of requests/s (target ≥ 0.9). Results go
to bench/results/<date>-privacy-middleware.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import psycopg

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_DIR / "bench"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

# Targets (see bench/README.md): requests/s at least this share of the ceiling's ...
MIN_RATIO = 0.35
# ... and p99 latency under this, at the default 16 connections.
MAX_P99_MS = 100.0
# With the privacy middleware on, the product page keeps at least this share of its
# requests/s with it off (--privacy-middleware).
MIN_PRIVACY_RATIO = 0.9
# A browser's user agent, so that the server log parses one and the page counter counts (it
# skips clients that send none, as bots do).
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SEARCH_TERMS = [
    "samsung",
    "galaxy",
    "iphone case",
    "wireless charger",
    "usb-c cable",
    "power bank",
    "bluetooth speaker",
    "noise cancelling",
    "tempered glass",
    "redmi note",
    "magnetic",
    "65 w",
    "earbuds",
    "tablet",
    "smartwatch",
    "anker",
    "fast charging",
    "camera",
    "waterproof",
    "tripod",
]


@dataclass(frozen=True)
class Target:
    name: str
    lua: str  # body of the wrk script: a request() function and its data
    ratio_target: bool  # must reach MIN_RATIO of the ceiling
    p99_target: bool  # must stay under MAX_P99_MS
    note: str


@dataclass
class Result:
    target: Target
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors plus HTTP statuses >= 400
    idle: float  # share of the machine's CPU that was idle just before the run (0..1)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------------------------------
# wrk scripts
# ---------------------------------------------------------------------------------------------

LUA_COMMON = """
local threads = {}
local counter = 0
function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end
function init(args)
  -- Threads start at different points of the rotation so they don't ask for the same row.
  counter = (thread_id or 0) * 7919
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p90_us\\": %d, "
    .. "\\"p99_us\\": %d, \\"max_us\\": %d, \\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, "
    .. "\\"status\\": %d, \\"timeout\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _lua_strings(values: list[str]) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def lua_get_rotating(paths: list[str], user_agent: str = "") -> str:
    headers = f'{{["User-Agent"] = {json.dumps(user_agent)}}}' if user_agent else "nil"
    return f"""
local paths = {_lua_strings(paths)}
local headers = {headers}
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end
"""


def lua_add_to_cart(shoppers: list[tuple[str, str]], variant_ids: list[int]) -> str:
    """POST /cart/add/ as one of many shoppers (session + CSRF pair), cycling over variants."""
    cookies = _lua_strings([cookie for cookie, _ in shoppers])
    tokens = _lua_strings([token for _, token in shoppers])
    variants = "{" + ", ".join(str(v) for v in variant_ids) + "}"
    return f"""
local cookies = {cookies}
local tokens = {tokens}
local variants = {variants}
function request()
  counter = counter + 1
  local s = (counter % #cookies) + 1
  local v = variants[(counter % #variants) + 1]
  local body = "csrfmiddlewaretoken=" .. tokens[s] .. "&variant=" .. v .. "&quantity=1"
  return wrk.format("POST", "/cart/add/", {{
    ["Cookie"] = cookies[s],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }}, body)
end
"""


# ---------------------------------------------------------------------------------------------
# Plain HTTP helpers (set-up only; the measuring is wrk's)
# ---------------------------------------------------------------------------------------------


def http_request(port: int, method: str, path: str, *, headers=None, body: str | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def set_cookies(headers) -> dict[str, str]:
    """Cookies from Set-Cookie headers. The production cookies are Secure, which a cookie jar
    would not send back over plain http, so they are handled by hand."""
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            found[key.strip()] = val.strip()
    return found


def make_shopper(port: int, product_path: str, variant_id: int) -> tuple[str, str]:
    """A visitor with a cart: GET a product page for the CSRF pair, then add one item, which
    starts the session. Returns (Cookie header, csrfmiddlewaretoken)."""
    status, headers, body = http_request(port, "GET", product_path)
    if status != 200:
        raise RuntimeError(f"GET {product_path} answered {status}")
    cookies = set_cookies(headers)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if "csrftoken" not in cookies or not match:
        raise RuntimeError(f"GET {product_path} gave no CSRF cookie and token")
    token = html.unescape(match.group(1))
    cookie = f"csrftoken={cookies['csrftoken']}"
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "variant": variant_id, "quantity": 1}
    )
    status, headers, body = http_request(
        port,
        "POST",
        "/cart/add/",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=form,
    )
    session = set_cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise RuntimeError(f"POST /cart/add/ answered {status} without a session: {body[:300]}")
    return f"{cookie}; sessionid={session}", token


# ---------------------------------------------------------------------------------------------
# gunicorn
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_env(args, port: int, static_root: Path, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CANDOR_ENV="production",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"http://{HOST}:{port}",
        # Plain http on loopback: no TLS terminator in front of gunicorn here.
        SECURE_SSL_REDIRECT="false",
        # Nothing the benchmark does sends mail; if something did, it would go nowhere.
        EMAIL_URL="dummymail://",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        STATIC_ROOT=str(static_root),
        CANDOR_VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([*args.pythonpath, str(PROJECT_DIR / "src")]),
    )
    if args.conn_max_age is not None:
        env["CONN_MAX_AGE"] = str(args.conn_max_age)
    return env


def start_gunicorn(args, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"),
        args.app,
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--no-control-socket",
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    # Its own process group, so stopping it also stops every worker.
    return subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_gunicorn(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_until_up(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail(log)}")
        with contextlib.suppress(OSError):
            if http_request(port, "GET", "/healthz")[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text().splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------------------------------------
# wrk
# ---------------------------------------------------------------------------------------------


def run_wrk(args, port: int, script: Path, seconds: float) -> dict:
    command = [
        shutil.which("wrk") or "/usr/bin/wrk",
        f"--threads={args.wrk_threads}",
        f"--connections={args.connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={script}",
        f"http://{HOST}:{port}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line.removeprefix("WRK_JSON "))
    raise RuntimeError(
        f"wrk gave no figures (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
    )


def cpu_idle(seconds: float = 1.0) -> float:
    """Share of all cores' time spent idle over a short interval, from /proc/stat."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return values[3] + values[4], sum(values)  # idle + iowait, total

    try:
        idle0, total0 = sample()
        time.sleep(seconds)
        idle1, total1 = sample()
    except OSError:
        return float("nan")
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_for_idle(limit: float, threshold: float = 0.9) -> float:
    """Wait up to `limit` seconds for other work on the machine to finish."""
    deadline = time.monotonic() + limit
    idle = cpu_idle()
    while idle < threshold and time.monotonic() < deadline:
        print(f"  machine busy ({1 - idle:.0%} CPU in use by others), waiting…", flush=True)
        time.sleep(5)
        idle = cpu_idle()
    return idle


def measure(
    args,
    port: int,
    target: Target,
    workdir: Path,
    repeat: int | None = None,
    warmup: float | None = None,
) -> Result:
    """Warm up, then measure; with --repeat, keep the run least disturbed by others."""
    script = workdir / f"{target.name}.lua"
    script.write_text(LUA_COMMON + target.lua)
    best = None
    for _ in range(args.repeat if repeat is None else repeat):
        idle = wait_for_idle(args.wait_idle) if args.wait_idle else cpu_idle()
        warmup_seconds = args.warmup if warmup is None else warmup
        if warmup_seconds > 0:
            run_wrk(args, port, script, warmup_seconds)
        figures = run_wrk(args, port, script, args.duration)
        errors = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
        result = Result(
            target=target,
            requests=figures["requests"],
            seconds=figures["duration_us"] / 1e6,
            p50_ms=figures["p50_us"] / 1000,
            p99_ms=figures["p99_us"] / 1000,
            errors=errors,
            idle=idle,
        )
        if best is None or result.rps > best.rps:
            best = result
    return best


# ---------------------------------------------------------------------------------------------
# Data the targets rotate over, read from the seeded database
# ---------------------------------------------------------------------------------------------


@dataclass
class ShopData:
    products: int
    orders: int
    category_slugs: list[str]
    product_slugs: list[str]
    variant_ids: list[int]  # in stock, on active products


def read_shop(url: str, sample: int) -> ShopData:
    with psycopg.connect(url) as conn:
        products = conn.execute("SELECT count(*) FROM catalog_product").fetchone()[0]
        orders = conn.execute("SELECT count(*) FROM orders_order").fetchone()[0]
        categories = [
            r[0] for r in conn.execute("SELECT slug FROM catalog_category ORDER BY position, name")
        ]
        slugs = [
            r[0]
            for r in conn.execute(
                "SELECT slug FROM catalog_product WHERE is_active ORDER BY md5(slug) LIMIT %s",
                (sample,),
            )
        ]
        variants = [
            r[0]
            for r in conn.execute(
                "SELECT v.id FROM catalog_variant v JOIN catalog_product p ON p.id = v.product_id "
                "WHERE v.is_active AND p.is_active AND v.stock >= 20 ORDER BY md5(v.sku) LIMIT %s",
                (sample,),
            )
        ]
    if not slugs or not variants:
        sys.exit("The benchmark database has no products: run bench/seed.py first.")
    return ShopData(products, orders, categories, slugs, variants)


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def verdict(result: Result, ceiling: Result) -> str:
    failures = []
    if result.errors:
        failures.append(f"{result.errors} errors")
    if result.target.ratio_target and result.rps < MIN_RATIO * ceiling.rps:
        failures.append(f"ratio < {MIN_RATIO}")
    if result.target.p99_target and result.p99_ms >= MAX_P99_MS:
        failures.append(f"p99 ≥ {MAX_P99_MS:.0f} ms")
    if not (result.target.ratio_target or result.target.p99_target or result.errors):
        return "—"
    return "FAIL (" + ", ".join(failures) + ")" if failures else "pass"


def table_rows(results: list[Result]) -> list[list[str]]:
    ceiling = results[0]
    rows = []
    for r in results:
        rows.append(
            [
                r.target.name,
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.1f}",
                f"{r.p99_ms:.1f}",
                f"{r.rps / ceiling.rps:.2f}" if ceiling.rps else "—",
                verdict(r, ceiling) if r is not ceiling else "(ceiling)",
                f"{r.idle:.0%}",
            ]
        )
    return rows


HEADERS = ["target", "req/s", "p50 ms", "p99 ms", "ratio", "result", "idle before"]


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(HEADERS)]
    align = ["<", ">", ">", ">", ">", "<", ">"]
    lines = ["  ".join(f"{h:{a}{w}}" for h, a, w in zip(HEADERS, align, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(f"{c:{a}{w}}" for c, a, w in zip(row, align, widths, strict=True)))
    return "\n".join(lines)


def markdown(args, results, rows, shop: ShopData, context: dict) -> str:
    out = [
        f"# Load benchmark, {context['date']}",
        "",
        f"- machine: {context['cores']} cores (`nproc`), {platform.machine()}, "
        f"{context['cpu']}, Python {platform.python_version()}, {context['postgres']}",
        f"- commit: `{context['commit']}`",
        "- code served: "
        + (
            ", ".join(f"`{p}`" for p in args.pythonpath) + " first on the path, then src/"
            if args.pythonpath
            else "src/ of the working tree"
        ),
        f"- data: {shop.products:,} products, {shop.orders:,} orders (bench/seed.py)",
        (f"- application: `{args.app}`\n" if args.app != "candor.wsgi:application" else "")
        + f"- server: gunicorn {args.workers} × {args.worker_class} worker(s)"
        + (f" with {args.threads} threads" if args.worker_class == "gthread" else "")
        + ", CANDOR_ENV=production, DEBUG off, "
        + (f"Redis {args.redis_url}" if args.redis_url else "no Redis (local-memory cache)"),
        f"- load: wrk {args.wrk_threads} threads, {args.connections} connections, "
        f"{args.warmup:g} s warm-up then {args.duration:g} s per target"
        + (f", best of {args.repeat} runs" if args.repeat > 1 else "")
        + ", on the same machine as the server and PostgreSQL",
        "- idle before: share of the machine's CPU idle in the second before the run; "
        "below ~90% other work was competing with the benchmark and the figures are low",
        f"- targets: req/s ≥ {MIN_RATIO} × ceiling for catalogue and product pages; "
        f"p99 < {MAX_P99_MS:.0f} ms for every shop page and add-to-cart; no errors",
    ]
    if args.note:
        out.append(f"- note: {args.note}")
    out += [
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join(["---", "---:", "---:", "---:", "---:", "---", "---:"]) + "|",
    ]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    out += ["", "What each target requests:", ""]
    out += [f"- **{r.target.name}**: {r.target.note}" for r in results]
    return "\n".join(out) + "\n"


def machine_context(database_url: str) -> dict:
    def run(*command: str) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_DIR)
        except OSError:
            return ""
        return done.stdout.strip()

    commit = run("git", "rev-parse", "--short=12", "HEAD") or "unknown"
    if run("git", "status", "--porcelain", "--untracked-files=no", "--", "src"):
        commit += " (with uncommitted changes under src/)"
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(database_url) as conn:
        postgres = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    return {
        "date": dt.date.today().isoformat(),
        "cores": run("nproc") or str(os.cpu_count()),
        "commit": commit,
        "cpu": cpu or platform.processor(),
        "postgres": postgres,
    }


# ---------------------------------------------------------------------------------------------


def build_targets(shop: ShopData, shoppers: list[tuple[str, str]]) -> list[Target]:
    searches = [f"/search/?q={urllib.parse.quote_plus(term)}" for term in SEARCH_TERMS]
    return [
        Target(
            "ceiling",
            lua_get_rotating(["/healthz"]),
            False,
            False,
            "`GET /healthz`: a view returning 'ok' (no database, template or session)",
        ),
        Target(
            "home",
            lua_get_rotating(["/"]),
            True,
            True,
            "`GET /`: featured products, new arrivals, categories",
        ),
        Target(
            "category",
            lua_get_rotating([f"/c/{s}/" for s in shop.category_slugs]),
            True,
            True,
            f"`GET /c/<slug>/`, first page (24 products), rotating over "
            f"{len(shop.category_slugs)} categories",
        ),
        Target(
            "product",
            lua_get_rotating([f"/p/{s}/" for s in shop.product_slugs]),
            True,
            True,
            f"`GET /p/<slug>/`, rotating over {len(shop.product_slugs):,} products",
        ),
        Target(
            "search",
            lua_get_rotating(searches),
            True,
            True,
            f"`GET /search/?q=…`, rotating over {len(searches)} queries "
            "(full-text, ranked, first page)",
        ),
        Target(
            "add-to-cart",
            lua_add_to_cart(shoppers, shop.variant_ids),
            False,
            True,
            f"`POST /cart/add/` with session and CSRF cookies, {len(shoppers)} shoppers, "
            f"rotating over {len(shop.variant_ids):,} in-stock variants; answers 302",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# The privacy middleware: on and off in one run
# ---------------------------------------------------------------------------------------------

PRIVACY_TABLES = ("privacy_requestlog", "insights_pageviewday")


def privacy_counts(url: str) -> tuple[int, int]:
    """(request log rows, page views counted) in the benchmark database."""
    with psycopg.connect(url) as conn:
        missing = [
            t
            for t in PRIVACY_TABLES
            if conn.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is None
        ]
        if missing:
            sys.exit(
                f"The benchmark database has no {', '.join(missing)} table: seed it again with "
                "bench/seed.py (or migrate it with manage.py migrate --skip-checks)."
            )
        rows = conn.execute("SELECT count(*) FROM privacy_requestlog").fetchone()[0]
        views = conn.execute("SELECT coalesce(sum(views), 0) FROM insights_pageviewday").fetchone()
        return rows, int(views[0])


def compare_privacy_middleware(args, shop: ShopData, context: dict) -> int:
    """Two servers side by side, PRIVACY_MIDDLEWARE off and on. Each is warmed up once
    (--warmup: fills its page cache), then the product page is measured in rounds, the two
    in turns (off then on, then on then off, …) with a 1 s warm-up each, so both see the same
    machine. The verdict is on the median of the rounds' on/off ratios, which one burst of
    other work on a shared machine does not move."""
    rows_before, views_before = privacy_counts(args.database_url)
    target = Target(
        "product",
        lua_get_rotating([f"/p/{s}/" for s in shop.product_slugs], BROWSER_USER_AGENT),
        False,
        True,
        f"`GET /p/<slug>/`, rotating over {len(shop.product_slugs):,} products, with a "
        "browser's User-Agent, no cookies (a first visit)",
    )
    modes = ("off", "on")
    runs: dict[str, list[Result]] = {mode: [] for mode in modes}
    processes: dict[str, subprocess.Popen] = {}
    with tempfile.TemporaryDirectory(prefix="candor-bench-") as tmp:
        workdir = Path(tmp)
        logs = {mode: workdir / f"gunicorn-{mode}.log" for mode in modes}
        try:
            ports: dict[str, int] = {}
            while len(set(ports.values())) < len(modes):
                ports = {mode: free_port() for mode in modes}
            envs = {
                mode: {
                    **server_env(args, ports[mode], workdir / "static", workdir / f"var-{mode}"),
                    "PRIVACY_MIDDLEWARE": mode,
                }
                for mode in modes
            }
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=PROJECT_DIR,
                env=envs["on"],
                check=True,
            )
            for mode in modes:
                processes[mode] = start_gunicorn(args, envs[mode], ports[mode], logs[mode])
            for mode in modes:
                wait_until_up(ports[mode], processes[mode], logs[mode])
                path = f"/p/{shop.product_slugs[0]}/"
                status = http_request(ports[mode], "GET", path)[0]
                if status != 200:
                    raise RuntimeError(f"privacy middleware {mode}: GET {path} answered {status}")
            print(
                f"gunicorn: {args.workers} × {args.worker_class}, privacy middleware off on "
                f"{ports['off']}, on on {ports['on']}",
                flush=True,
            )
            script = workdir / f"{target.name}.lua"
            script.write_text(LUA_COMMON + target.lua)
            for mode in modes:
                print(f"  warming up ({mode}) for {args.warmup:g} s", flush=True)
                run_wrk(args, ports[mode], script, args.warmup)
            for round_ in range(1, args.repeat + 1):
                for mode in modes if round_ % 2 else modes[::-1]:
                    result = measure(args, ports[mode], target, workdir, repeat=1, warmup=1)
                    runs[mode].append(result)
                    print(
                        f"  round {round_} {mode:<3} {result.rps:>8,.0f} req/s  "
                        f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  "
                        f"errors {result.errors}",
                        flush=True,
                    )
        except KeyboardInterrupt:
            print("Interrupted.", file=sys.stderr)
            return 130
        except Exception:
            for mode in modes:
                print(f"gunicorn ({mode}) log:\n{tail(logs[mode])}", file=sys.stderr)
            raise
        finally:
            # A graceful stop: each worker writes its waiting log rows and counts at exit.
            for process in processes.values():
                stop_gunicorn(process)
    rows_after, views_after = privacy_counts(args.database_url)

    best = {mode: max(runs[mode], key=lambda r: r.rps) for mode in modes}
    ratios = [on.rps / off.rps for off, on in zip(runs["off"], runs["on"], strict=True) if off.rps]
    ratio = statistics.median(ratios) if ratios else 0.0
    errors = sum(r.errors for mode in modes for r in runs[mode])
    requests_on = sum(r.requests for r in runs["on"])
    passed = ratio >= MIN_PRIVACY_RATIO and not errors
    verdict_text = (
        "pass"
        if passed
        else (f"FAIL (ratio < {MIN_PRIVACY_RATIO}" + (f", {errors} errors" if errors else "") + ")")
    )
    written = rows_after - rows_before
    counted = views_after - views_before
    print()
    print(
        f"product page, privacy middleware on/off: median of the rounds' ratios {ratio:.2f} "
        f"(target ≥ {MIN_PRIVACY_RATIO}): {verdict_text}; best runs {best['on'].rps:,.0f} / "
        f"{best['off'].rps:,.0f} req/s = {best['on'].rps / best['off'].rps:.2f}"
    )
    print(f"ratio per round: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(
        f"the 'on' server wrote {written:,} request log rows and counted {counted:,} page views "
        f"(wrk measured {requests_on:,} requests on it, plus warm-ups and the check request)"
    )
    if not args.no_save:
        args.results_dir.mkdir(parents=True, exist_ok=True)
        suffix = f"-{args.label}" if args.label else ""
        path = args.results_dir / f"{context['date']}-privacy-middleware{suffix}.md"
        path.write_text(
            privacy_markdown(
                args, shop, context, runs, best, ratio, ratios, verdict_text, written, counted
            )
        )
        shown = path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path
        print(f"Written to {shown}")
    return 0 if passed else 1


def privacy_markdown(
    args, shop, context, runs, best, ratio, ratios, verdict_text, written, counted
) -> str:
    out = [
        f"# Privacy middleware benchmark, {context['date']}",
        "",
        f"- machine: {context['cores']} cores (`nproc`), {platform.machine()}, "
        f"{context['cpu']}, Python {platform.python_version()}, {context['postgres']}",
        f"- commit: `{context['commit']}`",
        f"- data: {shop.products:,} products, {shop.orders:,} orders (bench/seed.py)",
        f"- servers: two gunicorns side by side, {args.workers} × {args.worker_class} worker(s) "
        "each, CANDOR_ENV=production, DEBUG off, "
        + (
            f"Redis {args.redis_url} (page cache on)"
            if args.redis_url
            else "no Redis (no page cache)"
        )
        + "; one with PRIVACY_MIDDLEWARE=off (no cookie-consent enforcement, server log or page "
        "counter), one with it on (the default)",
        f"- load: wrk {args.wrk_threads} threads, {args.connections} connections, "
        f"{args.warmup:g} s warm-up of each server once, then {args.repeat} round(s) of "
        f"{args.duration:g} s on each (1 s warm-up each), in turns: off then on, then on then "
        "off, …; the verdict is on the median of the rounds' on/off ratios",
        f"- target: on/off requests/s ≥ {MIN_PRIVACY_RATIO}, no errors",
        f"- the 'on' server wrote {written:,} request log rows and counted {counted:,} page views "
        "during the run (every request, warm-ups included: the work was really done)",
    ]
    if args.note:
        out.append(f"- note: {args.note}")
    out += [
        "",
        "| run | privacy middleware | req/s | p50 ms | p99 ms | errors | idle before |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for i, (off, on) in enumerate(zip(runs["off"], runs["on"], strict=True), start=1):
        for mode, r in (("off", off), ("on", on)):
            out.append(
                f"| {i} | {mode} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} "
                f"| {r.idle:.0%} |"
            )
    out += [
        "",
        f"**Ratio on/off, median of the rounds: {ratio:.2f}**: {verdict_text}. Per round: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + f". Best run of each: {best['on'].rps:,.0f} / {best['off'].rps:,.0f} req/s = "
        f"{best['on'].rps / best['off'].rps:.2f}.",
        "",
        f"What is requested: {runs['on'][0].target.note}.",
    ]
    return "\n".join(out) + "\n"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/candor_bench")
    parser.add_argument("--redis-url", default="", help="serve with Redis cache and sessions")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument(
        "--app", default="candor.wsgi:application", help="WSGI application to serve"
    )
    parser.add_argument(
        "--pythonpath",
        action="append",
        default=[],
        help="directory to put before src/ "
        "(with --app, to measure a prototype without editing the shop)",
    )
    parser.add_argument("--conn-max-age", type=int, default=None, help="override CONN_MAX_AGE")
    parser.add_argument("--duration", type=float, default=10, help="seconds per target")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds per target")
    parser.add_argument("--repeat", type=int, default=1, help="runs per target; keep the best")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        help="wait up to this many seconds per run "
        "for the machine to be ≥90%% idle (a shared machine)",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--shoppers", type=int, default=64, help="sessions for add-to-cart")
    parser.add_argument("--sample", type=int, default=2000, help="products/variants to rotate")
    parser.add_argument("--only", nargs="*", help="run only these targets (ceiling always runs)")
    parser.add_argument("--note", default="", help="a line for the results file")
    parser.add_argument("--label", default="", help="results file suffix: <date>-load-<label>.md")
    parser.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--no-save", action="store_true", help="print only; write no results")
    parser.add_argument(
        "--privacy-middleware",
        action="store_true",
        help="measure the product page with the privacy middleware on and off instead "
        "(writes <date>-privacy-middleware.md)",
    )
    args = parser.parse_args(argv)

    if urllib.parse.urlsplit(args.database_url).hostname not in ("127.0.0.1", "localhost"):
        sys.exit("The benchmark only talks to this machine: use a 127.0.0.1 database URL.")
    if not (shutil.which("wrk") or Path("/usr/bin/wrk").exists()):
        sys.exit("wrk is not installed (Debian: apt-get install wrk).")

    shop = read_shop(args.database_url, args.sample)
    context = machine_context(args.database_url)
    process = None
    # SIGTERM (e.g. from a CI timeout) takes the same way out as Ctrl-C, through `finally`.
    signal.signal(signal.SIGTERM, _interrupt)
    if args.privacy_middleware:
        return compare_privacy_middleware(args, shop, context)
    with tempfile.TemporaryDirectory(prefix="candor-bench-") as tmp:
        workdir = Path(tmp)
        log = workdir / "gunicorn.log"
        try:
            port = free_port()
            env = server_env(args, port, workdir / "static", workdir / "var")
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=PROJECT_DIR,
                env=env,
                check=True,
            )
            process = start_gunicorn(args, env, port, log)
            wait_until_up(port, process, log)
            print(f"gunicorn: {args.workers} × {args.worker_class} on {HOST}:{port}", flush=True)

            shoppers = [
                make_shopper(
                    port,
                    f"/p/{shop.product_slugs[i % len(shop.product_slugs)]}/",
                    shop.variant_ids[-1 - i % len(shop.variant_ids)],
                )
                for i in range(args.shoppers)
            ]
            targets = build_targets(shop, shoppers)
            if args.only:
                unknown = set(args.only) - {t.name for t in targets}
                if unknown:
                    sys.exit(f"Unknown targets: {', '.join(sorted(unknown))}")
                targets = [t for t in targets if t.name == "ceiling" or t.name in args.only]
            # One request of each before measuring, so a broken page fails loudly.
            for target in targets:
                if target.name not in ("ceiling", "add-to-cart"):
                    path = re.search(r'"(/[^"]*)"', target.lua).group(1)
                    status = http_request(port, "GET", path)[0]
                    if status != 200:
                        raise RuntimeError(f"{target.name}: GET {path} answered {status}")

            results = []
            for target in targets:
                result = measure(args, port, target, workdir)
                results.append(result)
                print(
                    f"  {target.name:<12} {result.rps:>8,.0f} req/s  p50 {result.p50_ms:6.1f} ms"
                    f"  p99 {result.p99_ms:6.1f} ms  errors {result.errors}",
                    flush=True,
                )
        except KeyboardInterrupt:
            print("Interrupted.", file=sys.stderr)
            return 130
        except Exception:
            print(f"gunicorn log:\n{tail(log)}", file=sys.stderr)
            raise
        finally:
            stop_gunicorn(process)

    rows = table_rows(results)
    print()
    print(text_table(rows))
    failed = [row[0] for row in rows if row[5].startswith("FAIL")]
    print()
    print("All targets met." if not failed else f"Targets missed: {', '.join(failed)}.")
    if any(r.idle < 0.9 for r in results):
        print("Warning: other work was using the CPU during some runs (see 'idle before').")
    if not args.no_save:
        args.results_dir.mkdir(parents=True, exist_ok=True)
        suffix = f"-{args.label}" if args.label else ""
        path = args.results_dir / f"{context['date']}-load{suffix}.md"
        path.write_text(markdown(args, results, rows, shop, context))
        shown = path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path
        print(f"Written to {shown}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
