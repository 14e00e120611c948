"""Account actions: the profile, the address book, disabling and re-enabling an account.

Each is one transaction; whatever must happen outside the database (ending sessions held in a
cache, mail) is scheduled with `transaction.on_commit`. Disabling and re-enabling write an
`AccountEvent` saying who did it and when.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from candor.core.models import ShopSettings
from candor.messaging.models import MailClass
from candor.messaging.services import enqueue
from candor.messaging.subscriptions import withdraw_marketing
from candor.privacy.disclosures import recipients_for, record_recipient_notice
from candor.privacy.subjects import Subject

from . import powers
from .models import AccountAction, AccountEvent, Address, Power, User

MAX_ADDRESSES = 20
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postcode", "country", "phone")


class AccountError(Exception):
    """An account action that was refused; the message says why and nothing was changed."""


class AddressNotFound(AccountError):
    """No such address in this customer's book (it may be someone else's: never say so)."""


@dataclass(frozen=True)
class AddressData:
    name: str
    line1: str
    city: str
    country: str
    line2: str = ""
    postcode: str = ""
    phone: str = ""


# --- profile ------------------------------------------------------------------------------


def update_profile(*, user: User, first_name: str, last_name: str, phone) -> User:
    """Change the customer's name and phone (both optional). A real change is a correction:
    every recipient that received this customer's data is owed a notice (GDPR art. 19)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = (locked.first_name, locked.last_name, str(locked.phone or ""))
        locked.first_name, locked.last_name = first_name.strip(), last_name.strip()
        locked.phone = phone or ""
        locked.save(update_fields=["first_name", "last_name", "phone"])
        if (locked.first_name, locked.last_name, str(locked.phone or "")) != before:
            _tell_recipients_of_correction(locked)
    user.first_name, user.last_name, user.phone = locked.first_name, locked.last_name, locked.phone
    return locked


def _tell_recipients_of_correction(user: User) -> None:
    subject = Subject(user_id=user.pk, emails=frozenset(_addresses_of(user)))
    reference = f"profile-{user.pk}-{timezone.now():%Y%m%d%H%M%S%f}"
    for recipient in recipients_for(subject):
        record_recipient_notice(
            recipient=recipient, subject=subject, reason="corrected", request_ref=reference
        )


# --- address book -------------------------------------------------------------------------


def _own_address(owner: User, address_id: int, *, lock: bool = False) -> Address:
    addresses = Address.objects.filter(owner=owner, pk=address_id)
    address = (addresses.select_for_update() if lock else addresses).first()
    if address is None:
        raise AddressNotFound("That address is not in your address book.")
    return address


def _lock_book(owner: User) -> list[Address]:
    """Lock the customer's user row, serialising changes to their book (and its defaults)."""
    User.objects.select_for_update().filter(pk=owner.pk).first()
    return list(Address.objects.filter(owner=owner))


def find_same_address(*, owner: User, data: AddressData) -> Address | None:
    """An entry of the book with the same name and postal address, if there is one."""
    return Address.objects.filter(
        owner=owner,
        name__iexact=data.name.strip(),
        line1__iexact=data.line1.strip(),
        line2__iexact=data.line2.strip(),
        city__iexact=data.city.strip(),
        postcode__iexact=data.postcode.strip(),
        country=data.country,
    ).first()


def add_address(*, owner: User, data: AddressData) -> Address:
    """Add an address to the book. The first one becomes the default for delivery and billing.

    Raises AccountError when the book is full.
    """
    with transaction.atomic():
        book = _lock_book(owner)
        if len(book) >= MAX_ADDRESSES:
            raise AccountError(
                f"Your address book is full ({MAX_ADDRESSES} addresses). "
                "Delete one you no longer use first."
            )
        return Address.objects.create(
            owner=owner,
            is_default_shipping=not any(a.is_default_shipping for a in book),
            is_default_billing=not any(a.is_default_billing for a in book),
            **_cleaned(data),
        )


def save_checkout_address(*, owner: User, data: AddressData) -> Address | None:
    """ "Save this address to my address book" at checkout: add it unless the book already
    holds it (or is full, which the checkout form reports before the order is placed)."""
    existing = find_same_address(owner=owner, data=data)
    if existing is not None:
        return existing
    try:
        return add_address(owner=owner, data=data)
    except AccountError:
        return None


def update_address(*, owner: User, address_id: int, data: AddressData) -> Address:
    with transaction.atomic():
        address = _own_address(owner, address_id, lock=True)
        for field, value in _cleaned(data).items():
            setattr(address, field, value)
        address.save()
    return address


def delete_address(*, owner: User, address_id: int) -> None:
    """Remove an address. If it was a default, that kind has no default until one is chosen."""
    with transaction.atomic():
        _own_address(owner, address_id, lock=True).delete()


def set_default_address(*, owner: User, address_id: int, kind: str) -> Address:
    """Make one address the default for "shipping" or "billing"; the previous default of that
    kind stops being one, in the same transaction (a conditional unique constraint backs it)."""
    if kind not in ("shipping", "billing"):
        raise AccountError("Choose whether this is your delivery or billing address.")
    flag = f"is_default_{kind}"
    with transaction.atomic():
        _lock_book(owner)
        address = _own_address(owner, address_id)
        Address.objects.filter(owner=owner, **{flag: True}).exclude(pk=address.pk).update(
            **{flag: False}
        )
        setattr(address, flag, True)
        address.save(update_fields=[flag, "updated_at"])
    return address


def _cleaned(data: AddressData) -> dict:
    values = {field: getattr(data, field) for field in ADDRESS_FIELDS}
    for field in ("name", "line1", "line2", "city", "postcode"):
        values[field] = values[field].strip()
    values["phone"] = values["phone"] or ""
    return values


# --- disabling ----------------------------------------------------------------------------


def disabled_account_exists(email: str) -> bool:
    """Whether this address belongs to a disabled account (its main or another address)."""
    from allauth.account.models import EmailAddress

    email = email.strip()
    if not email:
        return False
    return (
        User.objects.filter(is_active=False)
        .filter(
            Q(email__iexact=email)
            | Q(pk__in=EmailAddress.objects.filter(email__iexact=email).values("user_id"))
        )
        .exists()
    )


def disable_account(
    *, user: User, acting_user: User | None, note: str = "", requested_by_holder: bool = False
) -> User:
    """Disable an account: no sign-in, no purchases, no marketing; order mail still goes out.

    Every session of the account ends. Idempotent: disabling a disabled account changes
    nothing and writes no second event. An account with staff powers is disabled only by its
    holder (themselves, or their verified rights request: `requested_by_holder`), the system
    (`acting_user=None`) or the owner (accounts.powers; PowersRefused otherwise), and the
    change is on the powers audit trail too.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active and locked.disabled_at is not None:
            return locked
        staff_account = powers.holds_powers(locked)
        if staff_account:
            by_holder = requested_by_holder or getattr(acting_user, "pk", None) == locked.pk
            if acting_user is not None and not by_holder:
                powers.check_may_change(acting_user, locked)
            powers.check_keeps_a_superuser(
                locked, is_superuser=locked.is_superuser, is_staff=locked.is_staff, active=False
            )
            powers.record(
                user=locked,
                power=Power.ACTIVE,
                before=True,
                after=False,
                acting_user=acting_user,
                note=note,
            )
        event = AccountEvent.objects.create(
            user=locked, action=AccountAction.DISABLED, acting_user=acting_user, note=note[:300]
        )
        locked.is_active = False
        locked.disabled_at = event.created_at
        locked.save(update_fields=["is_active", "disabled_at"])
        session_keys = _session_keys_of(locked)
        Session.objects.filter(session_key__in=session_keys).delete()
        # Sessions kept in a cache as well (cached_db in production) are dropped there too.
        transaction.on_commit(lambda: _forget_cached_sessions(session_keys))
        for address in _addresses_of(locked):  # marketing already written does not go either
            withdraw_marketing(email=address)
        _account_notice(locked, "disabled", event)
    user.is_active, user.disabled_at = locked.is_active, locked.disabled_at
    return locked


def enable_account(*, user: User, acting_user: User | None, note: str = "") -> User:
    """Staff re-enable an account on the customer's request. Idempotent. An account with
    staff powers gets them back with it, so only the owner (or the system) re-enables one."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            return locked
        if powers.holds_powers(locked):
            if acting_user is not None:
                powers.check_may_change(acting_user, locked)
            powers.record(
                user=locked,
                power=Power.ACTIVE,
                before=False,
                after=True,
                acting_user=acting_user,
                note=note,
            )
        locked.is_active = True
        locked.disabled_at = None
        locked.save(update_fields=["is_active", "disabled_at"])
        event = AccountEvent.objects.create(
            user=locked, action=AccountAction.ENABLED, acting_user=acting_user, note=note[:300]
        )
        _account_notice(locked, "enabled", event)
    user.is_active, user.disabled_at = locked.is_active, locked.disabled_at
    return locked


def _session_keys_of(user: User) -> list[str]:
    """The keys of every live session signed in as this user.

    Session data is signed and encoded, so the live sessions are read and decoded in batches.
    Disabling is rare, so this scan is affordable; Django also refuses an inactive user on
    the next request of any session this missed (ModelBackend.get_user).
    """
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    wanted = str(user.pk)
    live = Session.objects.filter(expire_date__gt=timezone.now()).values_list(
        "session_key", "session_data"
    )
    return [
        key
        for key, data in live.iterator(chunk_size=2000)
        if str(store.decode(data).get("_auth_user_id")) == wanted
    ]


def _forget_cached_sessions(session_keys: list[str]) -> None:
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    for key in session_keys:
        engine.SessionStore(session_key=key).delete()


def _account_notice(user: User, event: str, audit: AccountEvent) -> None:
    """Account-security mail (transactional: it goes out whatever the marketing choices)."""
    enqueue(
        template=f"accounts/email/{event}",
        to_email=user.email,
        context={"user": user, "shop": ShopSettings.load(), "when": audit.created_at},
        mail_class=MailClass.TRANSACTIONAL,
        idempotency_key=f"account:{user.pk}:{event}:{audit.pk}",
    )


def _addresses_of(user: User) -> set[str]:
    from allauth.account.models import EmailAddress

    emails = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return {e.lower() for e in emails | {user.email}}


# --- restricting processing (P20) ---------------------------------------------------------


def restrict_processing(*, user: User, restricted: bool = True) -> User:
    """Keep the data but stop using it beyond orders: no marketing, no analytics counting, no
    testimonial display, no personalisation (each of those checks the flag); order mail still
    goes out. Marketing already queued is withdrawn at once. Idempotent."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.processing_restricted != restricted:
            locked.processing_restricted = restricted
            locked.save(update_fields=["processing_restricted"])
            if restricted:
                for address in _addresses_of(locked):
                    withdraw_marketing(email=address)
    user.processing_restricted = locked.processing_restricted
    return locked
