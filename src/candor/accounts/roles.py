"""Staff roles (P15): one group each, with the model permissions the work needs and the
data-family permissions (privacy.view_contact, view_address, view_payment_references,
view_logs) that let the role reveal customers' personal data. Everything not listed is refused.

The matrix below is the single declaration; `ensure_roles` makes the groups match it (the
data migration accounts.0003 runs it, and `manage.py ensure_roles` runs it again after a
change). A permission named here that does not exist is reported, never silently created.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ALL = "*"  # every permission the project has


@dataclass(frozen=True)
class Role:
    group: str
    summary: str
    permissions: tuple[str, ...]
    families: tuple[str, ...] = ()

    def codes(self) -> tuple[str, ...]:
        """Every permission as "app_label.codename", families included."""
        return self.permissions + tuple(f"privacy.view_{family}" for family in self.families)


def _crud(app: str, *models: str) -> tuple[str, ...]:
    return tuple(
        f"{app}.{action}_{m}" for m in models for action in ("add", "change", "delete", "view")
    )


def _view(app: str, *models: str) -> tuple[str, ...]:
    return tuple(f"{app}.view_{m}" for m in models)


SEE_CATALOGUE = _view("catalog", "product", "variant")

ROLES: tuple[Role, ...] = (
    Role(
        "Catalogue",
        "Products, variants, prices and stock. No customer data.",
        _crud("catalog", "category", "brand", "product", "variant")
        + _view("catalog", "variantchange"),
    ),
    Role(
        "Fulfilment",
        "Packs and ships orders: needs where to (address) and whom to call (contact).",
        _view("orders", "order", "shippingzone", "shippingmethod")
        + ("orders.change_order",)
        + SEE_CATALOGUE,
        families=("contact", "address"),
    ),
    Role(
        "Customer service",
        "Answers customers: orders, accounts, support, mail sent, testimonials.",
        _view("orders", "order")
        + ("orders.change_order",)
        + _view("accounts", "user", "address")
        + ("accounts.change_user",)
        + _view("support", "thread", "feedback")
        + ("support.answer_thread", "support.assign_thread")
        + _view("messaging", "outboxmessage", "subscription")
        + _view("testimonials", "testimonial", "testimonialconsent")
        + ("testimonials.moderate_testimonial",)
        + SEE_CATALOGUE,
        families=("contact", "address"),
    ),
    Role(
        "Billing",
        "Payments, refunds and held orders: payment references and who to contact.",
        _view("orders", "order")
        + ("orders.change_order", "orders.decide_held_orders")
        + _view("payments", "payment", "webhookevent"),
        families=("payment_references", "contact"),
    ),
    Role(
        "Privacy officer",
        "Rights requests, disclosures, consent proof, logs and the staff access records.",
        _view(
            "privacy",
            "consentrecord",
            "policyversion",
            "requestlog",
            "staffaccessrecord",
            "rightsrequest",
            "disclosurerecord",
            "recipientnotice",
            "legalrequest",
        )
        + (
            "privacy.add_policyversion",
            "privacy.read_request_logs",
            "privacy.work_rightsrequest",
            "privacy.decide_legal_request",
        )
        + _view("accounts", "user", "address")
        + _view("orders", "order")
        + _view("messaging", "outboxmessage", "subscription")
        + _view("support", "thread"),
        families=("contact", "address", "payment_references", "logs"),
    ),
    Role("Owner", "Everything, including the business transfer export.", (ALL,)),
)

FAMILY_PERMISSIONS = frozenset(
    f"privacy.view_{f}" for f in ("contact", "address", "payment_references", "logs")
)


def role(group: str) -> Role:
    return next(r for r in ROLES if r.group == group)


def ensure_roles(apps=None) -> list[str]:
    """Create or update every role's group to hold exactly its permissions. Idempotent.
    Returns the permissions the matrix names that do not exist (nothing is granted for them).
    `apps`: a migration's historical registry, or None for the running project."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    known = {
        f"{app}.{code}": pk
        for pk, app, code in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    missing: list[str] = []
    for entry in ROLES:
        wanted: Iterable[str] = known if ALL in entry.permissions else entry.codes()
        ids = []
        for code in wanted:
            if code in known:
                ids.append(known[code])
            else:
                missing.append(code)
        group, _ = Group.objects.get_or_create(name=entry.group)
        group.permissions.set(ids)
    return sorted(set(missing))
