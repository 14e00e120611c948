"""What every page needs to show the cookie banner (P10)."""

from django.http import HttpRequest

from . import cookies
from .consent import GPC_NOTICE, consent_for


def consent(request: HttpRequest) -> dict:
    """`show_cookie_banner` until the visitor has chosen; `gpc_notice` when the browser sent
    Sec-GPC: 1 (the banner and the cookie page say it was honoured)."""
    current = consent_for(request)
    return {
        "cookie_consent": current,
        "show_cookie_banner": not current.chosen,
        "cookie_banner_categories": [
            cookies.CATEGORIES[key].label.lower() for key in cookies.categories_in_use()
        ],
        "gpc_notice": GPC_NOTICE if current.gpc else "",
    }
