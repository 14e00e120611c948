"""The insights data map (X1): nothing in it is personal (P11, P18)."""

from candor.privacy.datamap import NOT_PERSONAL, YEAR, declare, declare_not_personal, keep, personal

from .models import AggregateState, OrdersDay, PageViewDay, PartnerReport, ReportRelease, SalesDay

declare(
    PageViewDay,
    fields={"path": NOT_PERSONAL, "day": NOT_PERSONAL, "views": NOT_PERSONAL},
)
declare(
    ReportRelease,
    fields={
        "first_day": NOT_PERSONAL,
        "last_day": NOT_PERSONAL,
        "released_at": NOT_PERSONAL,
        "released_by": personal(
            "security.audit",
            purposes=["security"],
            basis="legitimate_interests",
            source="automatic",
            keep=[keep(3 * YEAR, "delete")],
            note="The staff member who released a partner report's period (P18).",
        ),
    },
    age_field="released_at",
)
# Daily aggregates for partner reports: sums and 64-bit sketches over a day's customers (one
# hashed bit each, OR-ed), never an address or an order.
declare(
    SalesDay,
    fields={
        name: NOT_PERSONAL
        for name in ("day", "country", "category_id", "items", "revenue", "lines", "sketch")
    },
)
declare(
    OrdersDay,
    fields={name: NOT_PERSONAL for name in ("day", "country", "band", "orders", "sketch")},
)
declare(
    AggregateState,
    fields={
        name: NOT_PERSONAL
        for name in ("refreshed_through", "digest", "last_status_change_id", "refreshed_at")
    },
)
declare_not_personal(
    PartnerReport, reason="No table: the entry and permission for partner reports (aggregates)."
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
