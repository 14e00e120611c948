"""The insights data map (X1): nothing in it is personal (P11, P18)."""

from candor.privacy.datamap import NOT_PERSONAL, declare, declare_not_personal

from .models import PageViewDay, PartnerReport

declare(
    PageViewDay,
    fields={"path": NOT_PERSONAL, "day": NOT_PERSONAL, "views": NOT_PERSONAL},
)
declare_not_personal(
    PartnerReport, reason="No table: the entry and permission for partner reports (aggregates)."
)
