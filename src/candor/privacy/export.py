"""Export of one subject's data across every registered holder (P20).

`export_subject` gathers what each app holds; `build_export_zip` packs it as `data.json` (for
machines) and `index.html` (for people: every record with what each field is, in the words
the policy uses).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from . import datamap
from .datamap import Personal
from .registry import holders
from .subjects import Subject
from .vocabulary import CATEGORIES

Export = dict[str, dict[str, list[dict[str, Any]]]]


def export_subject(subject: Subject) -> dict[str, Any]:
    """{app_label: {model label: [rows]}}; models and apps with no rows are left out."""
    result: dict[str, Any] = {}
    for holder in holders():
        rows = {label: found for label, found in sorted(holder.export(subject).items()) if found}
        if rows:
            result[holder.app_label] = rows
    return result


def field_category(label: str, name: str) -> str | None:
    """The data-map category of one exported field, None when it is not personal."""
    declaration = datamap.declaration_for(label)
    spec = declaration.fields.get(name) if declaration else None
    return spec.category if isinstance(spec, Personal) else None


def categories_in(export: dict[str, Any]) -> set[str]:
    """The data-map categories that hold a value in an export (an empty value holds none)."""
    found: set[str] = set()
    for models_rows in export.values():
        for label, rows in models_rows.items():
            for row in rows:
                for name, value in row.items():
                    category = field_category(label, name)
                    if category and value not in (None, "", [], {}):
                        found.add(category)
    return found


def _readable(export: dict[str, Any]) -> list[dict[str, Any]]:
    sections = []
    for app_label, models_rows in export.items():
        for label, rows in models_rows.items():
            records = [
                [
                    {
                        "name": name,
                        "what": CATEGORIES.get(field_category(label, name) or "", ""),
                        "value": value
                        if isinstance(value, str)
                        else json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False),
                    }
                    for name, value in row.items()
                ]
                for row in rows
            ]
            sections.append({"app": app_label, "label": label, "records": records})
    return sections


def build_export_zip(subject: Subject) -> bytes:
    """A ZIP with data.json and index.html holding everything the shop keeps about `subject`."""
    export = export_subject(subject)
    generated_at = timezone.now()
    categories = sorted(categories_in(export))
    document = {
        "generated_at": generated_at,
        "categories": {name: CATEGORIES.get(name, name) for name in categories},
        "data": export,
    }
    payload = json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    page = render_to_string(
        "privacy/export/index.html",
        {
            "generated_at": generated_at,
            "categories": [CATEGORIES.get(name, name) for name in categories],
            "sections": _readable(export),
        },
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", payload)
        archive.writestr("index.html", page)
    return buffer.getvalue()
