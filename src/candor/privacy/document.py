"""The privacy policy as structured data, generated from the data map and the shop settings.

Everything that depends on what the code collects (categories, sources, purposes, legal
bases, recipients, retention) comes from the data map; the fixed sentences around it come
from here. `/privacy/` renders this structure and `/privacy/policy.json` serves it as is, so
the page and the data can never say different things.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.urls import reverse

from candor.core.models import ShopSettings

from . import vocabulary
from .datamap import Personal, Retention, personal_fields

# Recipients who may receive any data we hold, whatever the map says of each field.
STANDING_RECIPIENTS = ("law_enforcement", "business_successor")

# What shop apps give others that identifies nobody (statistics about the shop as a whole):
# each app registers a function returning its sentence (insights: partner reports), read when
# the policy is built, so privacy imports no shop app and the sentence follows the settings.
_aggregate_sharing: list[Callable[[], str]] = []


def register_aggregate_sharing(describe: Callable[[], str]) -> None:
    if describe not in _aggregate_sharing:
        _aggregate_sharing.append(describe)


def _model_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except LookupError:
        return label


def describe_retention(steps: tuple[Retention, ...]) -> str:
    """'after 30 days, shortened so it no longer identifies you; after 180 days, deleted'."""
    parts = []
    for step in steps:
        start = vocabulary.RETENTION_FROM[step.since]
        when = f"{_period(step.days)} {start}" if start else f"after {_period(step.days)}"
        parts.append(f"{when}, {vocabulary.END_ACTIONS[step.then]}")
    return "; ".join(parts)


def _period(days: int) -> str:
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    if days % 30 == 0 and days >= 60:
        return f"{days // 30} months"
    return f"{days} day{'s' if days != 1 else ''}"


def _contact(shop: ShopSettings) -> dict[str, str]:
    return {
        "name": shop.legal_name or shop.name,
        "trading_as": shop.name,
        "address": ", ".join(line for line in shop.address_lines if line),
        "email": shop.email,
        "phone": shop.phone.as_international if shop.phone else "",
    }


def _collection(fields: list[tuple[str, str, Personal]]) -> list[dict[str, Any]]:
    by_source: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for label, _name, spec in fields:
        by_source[spec.source][spec.category].add(_model_name(label))
    return [
        {
            "source": source,
            "heading": vocabulary.SOURCES[source],
            "items": [
                {
                    "category": category,
                    "what": vocabulary.CATEGORIES[category],
                    "kept_with": sorted(by_source[source][category]),
                }
                for category in sorted(by_source[source])
            ],
        }
        for source in vocabulary.SOURCES
        if source in by_source
    ]


def _purposes(fields: list[tuple[str, str, Personal]]) -> list[dict[str, Any]]:
    categories: dict[str, set[str]] = defaultdict(set)
    bases: dict[str, set[str]] = defaultdict(set)
    for _label, _name, spec in fields:
        for purpose in spec.purposes:
            categories[purpose].add(spec.category)
            bases[purpose].add(spec.basis_for(purpose))
    return [
        {
            "purpose": purpose,
            "why": vocabulary.PURPOSES[purpose],
            "legal_bases": [vocabulary.LEGAL_BASES[b] for b in sorted(bases[purpose])],
            "data": [vocabulary.CATEGORIES[c] for c in sorted(categories[purpose])],
        }
        for purpose in vocabulary.PURPOSES
        if purpose in categories
    ]


def _recipients(fields: list[tuple[str, str, Personal]]) -> list[dict[str, Any]]:
    categories: dict[str, set[str]] = defaultdict(set)
    for _label, _name, spec in fields:
        for recipient in spec.recipients:
            categories[recipient].add(spec.category)
    listed = [
        {
            "recipient": recipient,
            "who": vocabulary.RECIPIENTS[recipient],
            "data": [vocabulary.CATEGORIES[c] for c in sorted(categories[recipient])],
        }
        for recipient in vocabulary.RECIPIENTS
        if recipient in categories and recipient not in STANDING_RECIPIENTS
    ]
    standing = [
        {
            "recipient": recipient,
            "who": vocabulary.RECIPIENTS[recipient],
            "data": ["any of the data above that the request or transfer lawfully covers"],
        }
        for recipient in STANDING_RECIPIENTS
    ]
    return listed + standing


def _retention(fields: list[tuple[str, str, Personal]]) -> list[dict[str, Any]]:
    """Per category, each period with where it applies: an email address lives in an
    account, in orders and in mail, each kept as long as its own purpose needs."""
    where: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for label, _name, spec in fields:
        where[spec.category][describe_retention(spec.retention)].add(_model_name(label))
    return [
        {
            "data": vocabulary.CATEGORIES[category],
            "periods": [
                {"period": period, "kept_with": sorted(models)}
                for period, models in sorted(where[category].items())
            ],
        }
        for category in sorted(where)
    ]


def _cookies() -> dict[str, Any]:
    """From the cookie registry: which cookies and tags the site can set, by category."""
    from . import cookies

    names: dict[str, set[str]] = defaultdict(set)
    for item in [*cookies.cookies(), *cookies.tags()]:
        names[item.category].add(item.name)
    return {
        "url": reverse("privacy:cookies"),
        "categories": [
            {"category": category, "cookies": sorted(names[category])} for category in sorted(names)
        ],
    }


def _security() -> list[str]:
    return [
        "Passwords are stored only as Argon2 hashes; nobody, staff included, can read them.",
        "Card numbers never reach our servers: card payments happen on our payment "
        "processor's own page.",
        "A card number typed into a message, note, answer or testimonial is hidden (all but "
        "its last four digits) before it is stored.",
        "The shop is served over HTTPS only, with secure cookies.",
        "Staff open the back office only after signing in with a second factor (an "
        "authenticator app).",
        "Links we mail you are signed, and those that confirm, reset or show your settings "
        "expire; sign-in attempts are rate-limited.",
        "Server logs are shortened and then deleted on the schedule above.",
    ]


def _rights(shop: ShopSettings) -> list[dict[str, str]]:
    return [
        {
            "right": "See and correct your details",
            "how": "In your account: your details, address book and order history.",
            "url": reverse("accounts:profile"),
        },
        {
            "right": "Stop marketing mail",
            "how": "One click at the foot of any marketing mail, or your mail preferences.",
            "url": reverse("messaging:preferences_request"),
        },
        {
            "right": "Choose cookies",
            "how": "Change your cookie choice at any time; declining is one click.",
            "url": reverse("privacy:cookies"),
        },
        {
            "right": "Disable your account",
            "how": "From your account page; order mail about past orders still reaches you.",
            "url": reverse("accounts:disable"),
        },
        {
            "right": "Get a copy of your data, restrict processing or have it erased",
            "how": (
                "In your privacy centre: the copy is prepared at once and its download link "
                "expires after a few days; restriction keeps your data but stops marketing, "
                "counting your visits and showing your testimonials; before an erasure you "
                "see what will be deleted, and what the law makes us keep (orders, for tax) "
                "stripped of your name and contact details."
            ),
            "url": reverse("accounts:privacy"),
        },
        {
            "right": "Ask without an account",
            "how": (
                "Use the request form; we mail a link to the address the request concerns, and "
                f"act once it is confirmed. We answer within {_target_days()} days, never "
                f"later than 30. You can also write to {shop.email}."
            ),
            "url": reverse("privacy:rights_new"),
        },
        {
            "right": "Know who received your data",
            "how": (
                "Your privacy centre lists every hand-off (who, what, when and why). When your "
                "data is corrected or erased, we tell every recipient that still holds it. We "
                "hand data to police or courts only on a lawful request our privacy officer has "
                "checked, and tell you unless the law forbids it."
            ),
            "url": reverse("accounts:privacy"),
        },
        {
            "right": "Staff see only what their work needs",
            "how": (
                "Our staff see your details masked unless their role needs them; revealing them "
                "takes a reason, which our privacy officer reviews, and your privacy centre shows "
                "how many times it happened."
            ),
            "url": reverse("accounts:privacy"),
        },
    ]


def _target_days() -> int:
    return settings.RIGHTS_REQUEST_TARGET_DAYS


def build() -> dict[str, Any]:
    """The policy the code would publish now."""
    shop = ShopSettings.load()
    fields = personal_fields()
    return {
        "title": f"How {shop.name} handles your personal data",
        "controller": _contact(shop),
        "collection": _collection(fields),
        "purposes": _purposes(fields),
        "recipients": _recipients(fields),
        "shared_aggregates": [describe() for describe in _aggregate_sharing],
        "cookies": _cookies(),
        "retention": _retention(fields),
        "security": _security(),
        "rights": _rights(shop),
        "changes": {
            "notice_days": settings.PRIVACY_NOTICE_DAYS,
            "history_url": reverse("privacy:history"),
        },
    }


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def as_lines(content: dict[str, Any]) -> list[str]:
    """The policy as plain text lines, for the readable diff between two versions."""
    lines = [content["title"], ""]
    contact = content["controller"]
    lines += ["Who we are", f"{contact['name']}, {contact['address']}, {contact['email']}", ""]
    lines.append("What we collect")
    for group in content["collection"]:
        lines.append(f"{_cap(group['heading'])}:")
        lines += [f"- {item['what']} ({', '.join(item['kept_with'])})" for item in group["items"]]
    lines += ["", "Why we use it"]
    for purpose in content["purposes"]:
        lines.append(
            f"- {_cap(purpose['why'])}: {'; '.join(purpose['data'])} "
            f"(basis: {'; '.join(purpose['legal_bases'])})"
        )
    lines += ["", "Who receives it"]
    lines += [f"- {_cap(r['who'])}: {'; '.join(r['data'])}" for r in content["recipients"]]
    lines += [f"- {text}" for text in content.get("shared_aggregates", [])]
    lines += ["", "Cookies"]
    lines += [
        f"- {_cap(c['category'])}: {', '.join(c['cookies'])}"
        for c in content["cookies"]["categories"]
    ]
    lines += ["", "How long we keep it"]
    for r in content["retention"]:
        lines.append(f"- {_cap(r['data'])}:")
        lines += [f"  - in {', '.join(p['kept_with'])}: {p['period']}" for p in r["periods"]]
    lines += ["", "How we protect it"] + [f"- {s}" for s in content["security"]]
    lines += ["", "Your choices and rights"]
    lines += [f"- {r['right']}: {r['how']}" for r in content["rights"]]
    lines += [
        "",
        "Changes to this policy",
        f"- Material changes are announced {content['changes']['notice_days']} days ahead.",
    ]
    return lines
