"""Proof of erasure: look for values in every text column of every table (issue 6 item 6).

The scan does not trust the data map or the erasers: it asks the database for its tables and
their columns (connection.introspection) and searches every column of a text-like type (char,
text, inet, json, read as text), case-insensitively, for each value as a substring.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from .export import field_category

# Django field types (as introspection names them) whose values can hold text.
TEXT_LIKE = {
    "CharField",
    "TextField",
    "EmailField",
    "SlugField",
    "URLField",
    "GenericIPAddressField",
    "IPAddressField",
    "JSONField",
}
# What identifies a person outright: the values a scan after erasure must not find.
IDENTIFYING = ("contact.email", "contact.phone", "identity.name", "online.ip")
# Shorter values would match unrelated text.
MIN_LENGTH = 3


@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    value: str
    count: int


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_columns() -> dict[str, list[str]]:
    """{table: [text-like columns]} for every table in the database."""
    result: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        introspection = connection.introspection
        for table in sorted(introspection.table_names(cursor)):
            columns = []
            for column in introspection.get_table_description(cursor, table):
                try:
                    kind = introspection.get_field_type(column.type_code, column)
                except KeyError:
                    continue  # a type Django does not map is not text
                if kind in TEXT_LIKE:
                    columns.append(column.name)
            if columns:
                result[table] = columns
    return result


def _any_row_holds(cursor, table: str, columns: list[str], wanted: list[str]) -> bool:
    """PostgreSQL: whether any row of `table` holds any wanted value in its text columns
    (joined into one string per row, read once). The embedded SQLite shop is small enough
    to count column by value directly."""
    row_text = ", ".join(f"CAST({column} AS TEXT)" for column in columns)
    cursor.execute(
        f"SELECT 1 FROM {table} WHERE LOWER(CONCAT_WS(CHR(1), {row_text})) LIKE ANY(%s) LIMIT 1",
        [[_like(value) for value in wanted]],
    )
    return cursor.fetchone() is not None


def scan_for(values: Iterable[str], *, ignore: Iterable[str] = ()) -> list[Hit]:
    """Every (table, column, value) where a value appears, with how many rows hold it;
    `ignore` names tables to skip (the rights request's own record).

    Each table is first asked whether any row holds any value at all, reading each row's text
    columns joined into one string once; only a table that does is counted column by value
    (lowercasing and matching every column for every value in every row made a scan of a shop
    with a million orders take half a minute). The join can only add matches across column
    boundaries, never lose one, and the count decides."""
    wanted = sorted({v for v in values if v and len(v) >= MIN_LENGTH})
    if not wanted:
        return []
    quote = connection.ops.quote_name
    hits: list[Hit] = []
    with connection.cursor() as cursor:
        skipped = set(ignore)
        for table, columns in text_columns().items():
            if table in skipped:
                continue
            if connection.vendor == "postgresql" and not _any_row_holds(
                cursor, quote(table), [quote(c) for c in columns], wanted
            ):
                continue
            pairs = [(column, value) for column in columns for value in wanted]
            sums = ", ".join(
                f"SUM(CASE WHEN LOWER(CAST({quote(column)} AS TEXT)) LIKE %s ESCAPE '\\' "
                "THEN 1 ELSE 0 END)"
                for column, _ in pairs
            )
            cursor.execute(f"SELECT {sums} FROM {quote(table)}", [_like(v) for _, v in pairs])
            counts = cursor.fetchone()
            for (column, value), count in zip(pairs, counts, strict=True):
                if count:
                    hits.append(Hit(table, column, value, int(count)))
    return hits


def identifying_values(export: dict[str, Any]) -> set[str]:
    """The subject's email addresses, phone numbers, names and IP addresses found in an export
    (export.export_subject), by the data-map category of each field: what to scan for after
    erasing."""
    found: set[str] = set()
    for models_rows in export.values():
        for label, rows in models_rows.items():
            for row in rows:
                for name, value in row.items():
                    if field_category(label, name) in IDENTIFYING and isinstance(value, str):
                        value = value.strip()
                        if len(value) >= MIN_LENGTH:
                            found.add(value)
    return found
