"""A target beyond the hard limit is a configuration error, not a slow shop (P20)."""

from django.conf import settings
from django.core.checks import Error, register

HARD_LIMIT_DAYS = 30


@register()
def check_rights_request_target(app_configs=None, **kwargs):
    days = getattr(settings, "RIGHTS_REQUEST_TARGET_DAYS", 7)
    if not isinstance(days, int) or not 1 <= days <= HARD_LIMIT_DAYS:
        return [
            Error(
                f"RIGHTS_REQUEST_TARGET_DAYS is {days!r}; it must be a whole number of days "
                f"from 1 to {HARD_LIMIT_DAYS} (the legal limit for answering a request).",
                id="privacy.E010",
            )
        ]
    return []
