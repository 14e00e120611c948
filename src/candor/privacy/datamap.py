"""The data map (X1): every field of every model, declared next to the app that owns it.

Each app's `datamap.py` calls `declare(...)` for its models. A field holds personal data
(`Personal`: category, purposes, legal basis, retention, recipients, how it is collected) or
not (`NOT_PERSONAL`); a model with nothing personal at all can be declared in one line with
`declare_not_personal`. The system check in `checks.py` fails on anything undeclared or
unknown, and the policy, the retention jobs and the exports read this map, so none of them
can say or do something the code does not declare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

# Model label -> declaration; filled as the apps' datamap modules are imported.
_registry: dict[str, ModelDeclaration] = {}


@dataclass(frozen=True)
class Retention:
    """Keep for `days`, then `then` (delete, truncate or pseudonymize); the days count from
    `since` (vocabulary.RETENTION_FROM; "" is from when the record is made)."""

    days: int
    then: str
    since: str = ""

    def as_dict(self) -> dict[str, Any]:
        step: dict[str, Any] = {"days": self.days, "then": self.then}
        if self.since:
            step["since"] = self.since
        return step


@dataclass(frozen=True)
class Personal:
    category: str
    purposes: tuple[str, ...]
    basis: str
    source: str
    # In the order they apply, e.g. truncate after 30 days, then delete after 180.
    retention: tuple[Retention, ...]
    recipients: tuple[str, ...] = ()
    note: str = ""

    def basis_for(self, purpose: str) -> str:
        """The legal basis for one purpose: fixed by law for some (vocabulary.PURPOSE_BASIS),
        otherwise the one declared."""
        from .vocabulary import PURPOSE_BASIS

        return PURPOSE_BASIS.get(purpose, self.basis)

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "purposes": sorted(self.purposes),
            "basis": self.basis,
            "source": self.source,
            "retention": [r.as_dict() for r in self.retention],
            "recipients": sorted(self.recipients),
        }


@dataclass(frozen=True)
class NotPersonal:
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"personal": False}


NOT_PERSONAL = NotPersonal()


def personal(
    category: str,
    *,
    purposes: tuple[str, ...] | list[str],
    basis: str,
    source: str,
    keep: list[Retention] | tuple[Retention, ...] | Retention,
    recipients: tuple[str, ...] | list[str] = (),
    note: str = "",
) -> Personal:
    """A personal-data declaration; `keep` is one Retention or the steps in order."""
    steps = (keep,) if isinstance(keep, Retention) else tuple(keep)
    return Personal(category, tuple(purposes), basis, source, steps, tuple(recipients), note)


def keep(days: int, then: str = "delete", *, since: str = "") -> Retention:
    return Retention(days, then, since)


YEAR = 365


@dataclass
class ModelDeclaration:
    label: str  # "app_label.ModelName"
    fields: dict[str, Personal | NotPersonal]
    # The field that dates a row, for retention jobs (None: this model's data is not aged out
    # by the generic jobs; its app's eraser handles it).
    age_field: str | None = None
    whole_model_not_personal: str = ""
    declared_in: str = field(default="")


def _label(model: type[models.Model] | str) -> str:
    if isinstance(model, str):
        return model
    return model._meta.label


def declare(
    model: type[models.Model] | str,
    *,
    fields: dict[str, Personal | NotPersonal],
    age_field: str | None = None,
) -> None:
    label = _label(model)
    _registry[label] = ModelDeclaration(label, dict(fields), age_field)


def declare_not_personal(model: type[models.Model] | str, *, reason: str) -> None:
    label = _label(model)
    _registry[label] = ModelDeclaration(label, {}, None, whole_model_not_personal=reason)


def declarations() -> dict[str, ModelDeclaration]:
    return dict(_registry)


def declaration_for(model: type[models.Model] | str) -> ModelDeclaration | None:
    return _registry.get(_label(model))


def personal_fields() -> list[tuple[str, str, Personal]]:
    """(model label, field name, declaration) for every personal field, sorted."""
    return sorted(
        (label, name, spec)
        for label, declaration in _registry.items()
        for name, spec in declaration.fields.items()
        if isinstance(spec, Personal)
    )


def snapshot() -> dict[str, dict[str, dict[str, Any]]]:
    """The personal part of the map as plain data: stored with each policy version and
    compared between versions to find material changes."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for label, name, spec in personal_fields():
        result.setdefault(label, {})[name] = spec.as_dict()
    return result


# The privacy app's own models, Django's framework models and core's settings are declared by
# label in own_datamap.py; importing it here lets autodiscovery of "datamap" modules find them.
# Staff access records (P15): privacy/access_datamap.py.
from . import access_datamap as _access_datamap  # noqa: E402, F401
from . import access_subject_data as _access_subject_data  # noqa: E402, F401
from . import own_datamap  # noqa: E402, F401

# The privacy app's own holder for exports and erasure (P20): privacy/subject_data.py.
from . import subject_data as _subject_data  # noqa: E402, F401

# Rights requests declare their own models (privacy/rights/datamap.py).
from .rights import datamap as _rights_datamap  # noqa: E402, F401
