"""Need-to-know staff access (P15): which personal fields belong to which data family, who may
reveal them, and the record every reveal (or refused attempt) leaves.

The families come from the data map, never from a list of fields: a field's category decides
it (contact.email, contact.phone, identity.name and links to a customer's account -> contact;
contact.address -> address; financial.payment_reference -> payment_references; online.ip,
online.user_agent -> logs). A new model is covered as soon as its app declares it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction

from .access_models import StaffAccessRecord
from .card_numbers import mask_card_numbers
from .datamap import Personal, declaration_for

FAMILIES: dict[str, str] = {
    "contact": "names, email addresses and phone numbers",
    "address": "postal addresses",
    "payment_references": "payment references",
    "logs": "IP addresses and browser strings",
}

_BY_CATEGORY = {
    "contact.email": "contact",
    "contact.phone": "contact",
    "identity.name": "contact",
    "contact.address": "address",
    "financial.payment_reference": "payment_references",
    "online.ip": "logs",
    "online.user_agent": "logs",
}

REASON_MAX = 300
REASON_MIN = 5


def permission(family: str) -> str:
    """The permission that lets staff reveal `family`, as `user.has_perm` takes it."""
    return f"privacy.view_{family}"


@dataclass(frozen=True)
class MaskedField:
    name: str
    family: str
    category: str


def _links_to_account(field: models.Field) -> bool:
    related = field.related_model if field.is_relation else None
    return related is not None and related._meta.label == settings.AUTH_USER_MODEL


@cache
def masked_fields(model: type[models.Model]) -> dict[str, MaskedField]:
    """The model's fields that belong to a data family, by field name. A link to a customer's
    account counts as contact: the back office shows it as the account's email address."""
    declaration = declaration_for(model)
    if declaration is None:
        return {}
    found: dict[str, MaskedField] = {}
    for name, spec in declaration.fields.items():
        if not isinstance(spec, Personal):
            continue
        try:
            field = model._meta.get_field(name)
        except Exception:  # a declared name that is not a field; the data-map check says so
            continue
        if isinstance(field, models.BooleanField):
            continue  # a yes/no (billing same as shipping) identifies nobody
        family = _BY_CATEGORY.get(spec.category)
        account_link = _links_to_account(field) and not field.many_to_many
        if family is None and spec.category == "identity.account" and account_link:
            family = "contact"
        if family is not None:
            found[name] = MaskedField(name, family, spec.category)
    return found


def may_reveal(user, family: str) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(permission(family)))


def subject_user_id(obj: models.Model) -> int | None:
    """Whose data `obj` holds: the customer account it belongs to, found through the data map
    (a link to an account, or an email address that is an account's)."""
    User = get_user_model()
    if isinstance(obj, User):
        return obj.pk
    declaration = declaration_for(type(obj))
    if declaration is None:
        return None
    email = ""
    for name, spec in declaration.fields.items():
        if not isinstance(spec, Personal):
            continue
        if spec.category == "identity.account":
            try:
                field = type(obj)._meta.get_field(name)
            except Exception:
                continue
            if _links_to_account(field) and not field.many_to_many:
                value = getattr(obj, field.attname)
                if value is not None:
                    return int(value)
        elif spec.category == "contact.email" and not email:
            email = str(getattr(obj, name, "") or "")
    if email:
        return User.objects.filter(email__iexact=email).values_list("pk", flat=True).first()
    return None


class RevealRefused(Exception):
    """The staff member may not reveal this; the refusal is recorded."""


@dataclass(frozen=True)
class Revealed:
    record: StaffAccessRecord
    values: list[tuple[str, str]]  # (field label, value)


def reveal(
    *, obj: models.Model, family: str, reason: str, acting_user, may_view_record: bool
) -> Revealed:
    """Show `acting_user` the `family` fields of `obj`, once, and record who, whose, what, why
    and when. Without the family's permission (or without the right to open the record at
    all: `may_view_record`) nothing is shown and the refusal is recorded."""
    fields = [f for f in masked_fields(type(obj)).values() if f.family == family]
    reason = mask_card_numbers(reason.strip()[:REASON_MAX]).text
    granted = (
        may_view_record
        and may_reveal(acting_user, family)
        and bool(fields)
        and len(reason) >= REASON_MIN
    )
    with transaction.atomic():
        record = StaffAccessRecord.objects.create(
            staff=acting_user,
            subject_user_id=subject_user_id(obj),
            model=obj._meta.label,
            object_pk=str(obj.pk),
            family=family[:30],
            fields=[f.name for f in fields] if granted else [],
            reason=reason,
            granted=granted,
        )
    if not granted:
        raise RevealRefused(_refusal(acting_user, family, fields, reason, may_view_record))
    values = []
    for masked in fields:
        value = getattr(obj, masked.name)
        values.append(
            (
                str(obj._meta.get_field(masked.name).verbose_name),
                "" if value is None else str(value),
            )
        )
    return Revealed(record, values)


def record_refusal(
    *,
    obj: models.Model | None,
    family: str,
    acting_user,
    reason: str,
    model_label: str = "",
    object_pk: str = "",
) -> None:
    """A refused attempt to see personal data (the reveal page opened or posted without the
    right, a carrier manifest without the permission): nothing is shown, and the attempt is on
    the record. `obj` is None when the record does not exist: the refusal does not say so, and
    the record names the model and key that were tried."""
    StaffAccessRecord.objects.create(
        staff=acting_user,
        subject_user_id=subject_user_id(obj) if obj is not None else None,
        model=obj._meta.label if obj is not None else model_label[:100],
        object_pk=str(obj.pk) if obj is not None else object_pk[:40],
        family=family[:30],
        fields=[],
        reason=mask_card_numbers(reason.strip()[:REASON_MAX]).text,
        granted=False,
    )


def _refusal(user, family: str, fields, reason: str, may_view_record: bool) -> str:
    if not may_view_record:
        return "Your role may not open this record."
    if family not in FAMILIES or not fields:
        return "This record holds nothing of that kind."
    if not may_reveal(user, family):
        return f"Your role may not see {FAMILIES[family]}."
    return f"Give a reason ({REASON_MIN} to {REASON_MAX} characters)."


def count_for(user_id: int) -> int:
    """How many times staff have seen this customer's personal data (the privacy centre)."""
    return StaffAccessRecord.objects.filter(subject_user_id=user_id, granted=True).count()
