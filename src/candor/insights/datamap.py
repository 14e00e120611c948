"""The page counter's data map (X1): nothing in it is personal (P11)."""

from candor.privacy.datamap import NOT_PERSONAL, declare

from .models import PageViewDay

declare(
    PageViewDay,
    fields={"path": NOT_PERSONAL, "day": NOT_PERSONAL, "views": NOT_PERSONAL},
)
