"""What the large-data benches share: SQL that seeds millions of rows in the database itself,
the start of a seeded shop, timing steps, and the machine's load.

bench/partner_report.py and bench/rights.py seed with INSERT … SELECT over generate_series
(tens of seconds for a million orders) instead of Python loops.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import seed  # bench/seed.py: database set-up and the catalogue


def case(expression: str, shares: list[tuple[str, int]], total: int) -> str:
    """SQL choosing a value by `expression % total` falling into each share."""
    parts, upto = [], 0
    for value, share in shares:
        upto += share
        parts.append(f"WHEN ({expression}) % {total} < {upto} THEN '{value}'")
    return f"(CASE {' '.join(parts)} END)"


def h(salt: int, of: str = "o") -> str:
    """A deterministic pseudo-random non-negative integer per row."""
    return f"abs(hashint8(({of})::bigint * 1000003 + {salt}))"


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def insert_select(model, expressions: dict[str, str], source: str) -> str:
    """INSERT INTO the model's table (…) SELECT … FROM source, giving every column that
    `expressions` leaves out its model default, NULL or '' (so fields other work adds to the
    model later do not break the bench)."""
    from django.db import connection
    from django.db.models import JSONField

    table = model._meta.db_table
    with connection.cursor() as cursor:
        present = {c.name for c in connection.introspection.get_table_description(cursor, table)}
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.column not in present or f.primary_key and f.attname not in expressions:
            continue
        if f.attname in expressions:
            value = expressions[f.attname]
        elif f.has_default():
            default = f.get_default()
            value = literal(json.dumps(default) if isinstance(f, JSONField) else default)
        elif f.null:
            value = "NULL"
        else:
            value = "''"
        columns.append(connection.ops.quote_name(f.column))
        values.append(value)
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"


def machine_load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


class Steps:
    """Prints each step with the seconds since the bench started."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __call__(self, message: str) -> None:
        print(f"[{self.elapsed:7.1f} s] {message}", flush=True)


def open_shop(database_url: str, *, reuse: bool, step: Steps) -> None:
    """Django on the bench database: dropped and recreated unless `reuse`."""
    if not reuse:
        name = seed.recreate_database(database_url)
        step(f"recreated database {name}")
    seed.setup_django(database_url)


def start_shop(products: int, step: Steps) -> tuple[int, int]:
    """Migrate a new bench database and give it shop settings, shipping and a catalogue;
    returns (products, variants)."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from candor.demo.services import _shipping, _shop_settings

    call_command("migrate", verbosity=0, interactive=False)
    step("migrated")
    with transaction.atomic():
        _shop_settings()
        _shipping()
        made = seed.seed_catalogue(random.Random(2014), products, timezone.now())
    step(f"catalogue: {made[0]:,} products, {made[1]:,} variants")
    return made
