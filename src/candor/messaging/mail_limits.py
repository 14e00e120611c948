"""Limits on the public forms that mail an address someone types in (P7, P14): the newsletter,
"mail me a preferences link", follow a category, notify when back in stock, password reset.

Without them anyone could use the shop to mail a stranger, or many. Three counters, kept by
candor.core.rate_limits, are checked in this order, and a refused request changes nothing
(no mail, no record; the links already mailed keep working):

- per client: PER_CLIENT_PER_HOUR uses of any of these forms by one visitor (the address the
  trusted proxies saw, an IPv6 one by its /64), whoever the recipients are;
- per recipient: PER_RECIPIENT_PER_DAY for one address, from any client, so an attacker who
  rotates client addresses still cannot flood one inbox;
- a ceiling, GLOBAL_PER_HOUR for the whole shop, so many clients together cannot turn the
  shop's mail into a spam source and its sending reputation into a casualty.

Every accepted submission counts, whether or not a mail goes out (an unknown address for the
preferences link, an address already confirmed), so the answers reveal nothing about which
addresses we know.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from candor.core import rate_limits
from candor.privacy.request_logs import client_key

HOUR = 3600
DAY = 24 * HOUR
PER_CLIENT_PER_HOUR = 10
PER_RECIPIENT_PER_DAY = 5
GLOBAL_PER_HOUR = 1000

TOO_MANY_FROM_HERE = (
    "You have asked us to send a lot of mail in the last hour. Please try again in an hour."
)
TOO_MANY_FOR_ADDRESS = (
    "We have already sent several messages to this address today. Please look for them in "
    "its inbox (the links in them still work), or try again tomorrow."
)
TOO_MANY_FOR_NOW = "We are sending a lot of mail just now. Please try again in an hour."


@dataclass(frozen=True)
class Refusal:
    message: str
    status: int = 429


def check(request: HttpRequest, email: str) -> Refusal | None:
    """Count one mail-sending submission for `email`; a Refusal once a limit is passed."""
    if not rate_limits.allow(
        "mailforms", "client", client_key(request), limit=PER_CLIENT_PER_HOUR, seconds=HOUR
    ):
        return Refusal(TOO_MANY_FROM_HERE)
    if not rate_limits.allow(
        "mailforms",
        "recipient",
        email.strip().lower(),
        limit=PER_RECIPIENT_PER_DAY,
        seconds=DAY,
    ):
        return Refusal(TOO_MANY_FOR_ADDRESS)
    if not rate_limits.allow("mailforms", "all", "shop", limit=GLOBAL_PER_HOUR, seconds=HOUR):
        return Refusal(TOO_MANY_FOR_NOW)
    return None


def refused_page(request: HttpRequest, refusal: Refusal, *, back: str = "") -> HttpResponse:
    """The page a refused visitor sees: what happened and when to try again, with 429."""
    return render(
        request,
        "messaging/too_many.html",
        {"message": refusal.message, "back": back},
        status=refusal.status,
    )
