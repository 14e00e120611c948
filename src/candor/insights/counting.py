"""Which orders the shop's aggregate figures count, and how their customers are told apart.

Used by the product rankings and the partner reports alike (P18), so both count the same
orders: sales that stand (confirmed, paid or on their way; not awaiting payment, held,
cancelled or refunded), in a period of the shop's local days, leaving out every order of a
customer who asked us to restrict processing (P20): orders of their account, and orders
placed as a guest with any address their account has.

A customer is an order's email address in lower case. On PostgreSQL it is counted through a
64-bit hash of that (hashtextextended), cheaper to compare than text. The chance that any two
of a million addresses share a hash is about 3 in 10^8; if they did, they would count as one
customer, which can only make a group look smaller and so withhold more. Orders without an
address (phone orders taken without one) likewise count as one customer together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.db.models import Func, QuerySet, TextField
from django.db.models.functions import Lower
from django.utils import timezone

from candor.accounts.models import RestrictedAddress, User
from candor.orders.models import OrderStatus

SOLD = (
    OrderStatus.CONFIRMED,
    OrderStatus.PAID,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


class CustomerKey(Func):
    """The customer of a row's order, only ever counted: Count(CustomerKey(), distinct=True).
    (Its type differs by database; nothing reads its value.)"""

    output_field = TextField()

    def __init__(self, order: str = "") -> None:
        super().__init__(Lower(f"{order}email"))

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"hashtextextended({sql}, 0)", params


def customer(order: str = "") -> CustomerKey:
    return CustomerKey(order)


@dataclass(frozen=True)
class Restricted:
    """Customers who asked us to restrict processing: their accounts, and every address those
    accounts have (lower case). Read once, then used as plain lists in each query."""

    user_ids: tuple[int, ...]
    addresses: tuple[str, ...]


def restricted_customers() -> Restricted:
    restricted = User.objects.filter(processing_restricted=True)
    users = list(restricted.values_list("pk", Lower("email")))
    extra = EmailAddress.objects.filter(user__in=restricted.values("pk"))
    addresses = {email for _, email in users} | set(extra.values_list(Lower("email"), flat=True))
    # Addresses restricted by their owners without an account (their guest orders).
    addresses |= set(RestrictedAddress.objects.values_list("email", flat=True))
    return Restricted(tuple(pk for pk, _ in users), tuple(sorted(addresses)))


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The moments the shop's local day `start` begins and the day after `end` begins."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def counted(
    queryset: QuerySet, *, start: date, end: date, restricted: Restricted, order: str = ""
) -> QuerySet:
    """`queryset` (of orders, or of rows reaching an order through `order`, e.g. "order__")
    narrowed to the counted orders of the days `start` to `end`."""
    since, until = day_bounds(start, end)
    counted = queryset.filter(
        **{
            f"{order}status__in": SOLD,
            f"{order}created_at__gte": since,
            f"{order}created_at__lt": until,
        }
    )
    if restricted.user_ids:
        counted = counted.exclude(**{f"{order}user__in": restricted.user_ids})
    if restricted.addresses:
        counted = counted.alias(counted_address=Lower(f"{order}email")).exclude(
            counted_address__in=restricted.addresses
        )
    return counted
