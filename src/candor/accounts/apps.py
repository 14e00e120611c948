from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    # Two configs live in this module: this one is the app's own (default = True).
    default = True
    name = "candor.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from allauth.account.models import EmailAddress
        from django.db.models import Q
        from django.db.models.functions import Lower

        from candor.messaging.audience import register_marketing_exclusion

        from . import rights
        from .models import User

        rights.register()  # P20: the mailer and actions rights requests use

        def blocked():
            return User.objects.filter(Q(is_active=False) | Q(processing_restricted=True))

        # P20, P7: a disabled account, or one whose processing is restricted, gets no
        # marketing, at its sign-in address or at any other address it has added.
        register_marketing_exclusion(lambda: blocked().values(address=Lower("email")))
        register_marketing_exclusion(
            lambda: EmailAddress.objects.filter(user__in=blocked()).values(address=Lower("email"))
        )


class CandorAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the staff MFA gate as the default site (P14).

    Listed in INSTALLED_APPS in place of "django.contrib.admin"; every `admin.site` and
    `@admin.register` in the project then uses CandorAdminSite.
    """

    default = False
    default_site = "candor.accounts.admin_site.CandorAdminSite"
