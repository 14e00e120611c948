from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A customer or a staff member; people sign in with their email address."""

    username = None
    email = models.EmailField("email address", unique=True)
    phone = PhoneNumberField(
        blank=True, help_text="Optional; offered at checkout so it need not be typed again."
    )
    # Set by accounts.services.disable_account, cleared by enable_account (both audited).
    disabled_at = models.DateTimeField(null=True, blank=True)
    processing_restricted = models.BooleanField(
        default=False,
        help_text="The customer asked us to restrict processing: no marketing is sent.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email


class Address(models.Model):
    """One entry of a customer's address book."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField("full name", max_length=150)
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=20, blank=True)
    country = CountryField()
    phone = PhoneNumberField(blank=True)
    is_default_shipping = models.BooleanField("default delivery address", default=False)
    is_default_billing = models.BooleanField("default billing address", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default_shipping", "-is_default_billing", "id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_default_shipping=True),
                name="one_default_shipping_address",
            ),
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_default_billing=True),
                name="one_default_billing_address",
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(self.lines)

    @property
    def lines(self) -> list[str]:
        city_line = " ".join(part for part in (self.city, self.postcode) if part)
        parts = (self.name, self.line1, self.line2, city_line, self.country.name)
        return [part for part in parts if part]


class AccountAction(models.TextChoices):
    DISABLED = "disabled", "Account disabled"
    ENABLED = "enabled", "Account re-enabled"


class AccountEvent(models.Model):
    """The audit trail of what was done to an account: what, by whom, when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_events"
    )
    action = models.CharField(max_length=20, choices=AccountAction.choices)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did it: the customer, a staff member, or empty for the system.",
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_action_display()}"


class RestrictedAddress(models.Model):
    """An address whose owner, without an account, asked us to restrict processing (P20): its
    guest orders are left out of every count, as a restricted account's are."""

    email = models.EmailField(unique=True)  # lower case
    restricted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "restricted address"
        verbose_name_plural = "restricted addresses"

    def __str__(self) -> str:
        return self.email


class Power(models.TextChoices):
    """What a staff account may do, as StaffPowerChange records it."""

    STAFF = "is_staff", "Staff status"
    SUPERUSER = "is_superuser", "Superuser status"
    GROUPS = "groups", "Roles"
    PERMISSIONS = "user_permissions", "Permissions"
    ACTIVE = "is_active", "Account enabled"


class StaffPowerChange(models.Model):
    """The audit trail of staff powers (P15): one row for each change of an account's staff
    status, superuser status, roles, own permissions, or, for an account that holds any of
    those, its being disabled or enabled. Written only by accounts.powers, in the change's
    transaction: who, what (before and after), when, and why if given."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="power_changes",
        help_text="Whose powers changed (empty once the account is deleted).",
    )
    power = models.CharField(max_length=20, choices=Power.choices)
    before = models.JSONField(help_text="Yes/no, or the names of the roles or permissions.")
    after = models.JSONField()
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who changed it; empty for the system (a deploy, a command).",
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "staff power change"
        # The one permission that lets a staff member (the owner) change staff powers; the
        # Owner role holds it (roles.py), superusers hold every permission.
        permissions = [
            (
                "manage_staff",
                "Can grant and remove staff status, roles and permissions, and disable staff "
                "accounts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_power_display()}: {self.describe()}"

    def describe(self) -> str:
        def shown(value) -> str:
            if isinstance(value, bool):
                return "yes" if value else "no"
            return ", ".join(value) if value else "none"

        if isinstance(self.before, list) and isinstance(self.after, list):
            added = sorted(set(self.after) - set(self.before))
            removed = sorted(set(self.before) - set(self.after))
            parts = [f"+ {name}" for name in added] + [f"− {name}" for name in removed]
            return "; ".join(parts) or "no change"
        return f"{shown(self.before)} → {shown(self.after)}"
