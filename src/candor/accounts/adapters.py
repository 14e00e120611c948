"""Our hooks into django-allauth (ACCOUNT_ADAPTER, SOCIALACCOUNT_ADAPTER).

Mail (P8): allauth renders its own subject and text (sign-up verification, password reset,
change of email, security notices, two-factor changes), from its templates, translated and
kept up to date with the library. We override one of them, `account/email/base_message.txt`,
so a body is only the message itself (no "Hello from <domain>" greeting or sign-off), and wrap
that text in our transactional base through `account/email/outbox.*`: the shop's name on top, the
"sent whatever your mail preferences are, contains no advertising" footer below. Wrapping once
is cleaner than overriding each of allauth's twenty-odd message templates, and new messages in
a later allauth release are covered without a change here. Each message is a TRANSACTIONAL
outbox row, so it goes out whatever the recipient's marketing choices, and is never lost when
the mail server is down.

Social sign-in (P4): the provider's answer is reduced to the basic profile before anything is
stored (see SocialAccountAdapter).
"""

import uuid
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.sites.shortcuts import get_current_site

from candor.core.models import ShopSettings
from candor.messaging.models import MailClass
from candor.messaging.services import enqueue
from candor.privacy.request_logs import client_key

# The one template that wraps every allauth message (subject, text and HTML).
OUTBOX_TEMPLATE = "account/email/outbox"

# What we keep of a provider's profile answer (SocialAccount.extra_data): the provider id, the
# name and the email with the provider's word on whether it verified it. Pictures, locale, token
# claims and the like are dropped.
BASIC_PROFILE_KEYS = frozenset(
    {
        "id",
        "sub",
        "email",
        "email_verified",
        "verified_email",
        "name",
        "given_name",
        "family_name",
        "first_name",
        "last_name",
    }
)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's message and put it in the outbox as transactional mail (P8).

        Called inside whatever transaction allauth's flow runs in; the outbox row is written
        there and delivered after commit. Every call is a new message (each reset request,
        each verification resend), so the idempotency key is unique per call.
        """
        request = allauth_context.request
        ctx = {"email": email, "current_site": get_current_site(request), **context}
        rendered = self.render_mail(template_prefix, email, ctx)
        name = template_prefix.rsplit("/", 1)[-1]
        enqueue(
            template=OUTBOX_TEMPLATE,
            to_email=email,
            context={
                "subject": rendered.subject,
                "body": rendered.body,
                "shop": ShopSettings.load(),
            },
            mail_class=MailClass.TRANSACTIONAL,
            idempotency_key=f"account:{name}:{uuid.uuid4().hex}",
            # a verification or reset link (or a code) must not outlive its delivery in the outbox
            sensitive=any(key.endswith("_url") or key == "code" for key in context),
        )

    def pre_authenticate(self, request, **credentials: Any) -> None:
        """Count this sign-in as a failure until it succeeds (allauth rolls the counts back
        when the password is right), so that strangers' failures cannot lock the owner out.

        ACCOUNT_RATE_LIMITS: `login_failed_client` counts one client's failures, per address
        and per account from that address, and refuses that client; `login_failed` counts
        the account's failures from everywhere. Once the account's count is full, every other
        client still has one attempt in the window (`login_failed_locked_client`): the owner,
        from their own connection, gets in with the right password, while an attacker gets one
        guess per fresh address and window instead of an unlimited stream.
        """
        account = self._get_login_attempts_cache_key(request, **credentials)
        pair = f"{account}:{client_key(request)}"
        app = "allauth.account"
        usage = ratelimit.consume(request, app=app, action="login_failed_client", key=pair)
        if not usage:
            raise self.validation_error("too_many_login_attempts")
        held = ratelimit.consume(request, app=app, action="login_failed", key=account)
        if not held:
            held = ratelimit.consume(
                request, app=app, action="login_failed_locked_client", key=pair
            )
        if not held:
            usage.rollback()  # refused before any password was checked: not a failure
            raise self.validation_error("too_many_login_attempts")
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(usage.usage + held.usage)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        """Fill the new user from the profile, and keep only the basic profile (P4)."""
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        sociallogin.account.extra_data = {
            key: value for key, value in extra.items() if key in BASIC_PROFILE_KEYS
        }
        return user
