from django.core.cache import cache
from django.db import models
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from .pagecache import invalidate as invalidate_pages


class ShopSettings(models.Model):
    """The shop's identity and contact details: one row, edited in the back office."""

    CACHE_KEY = "core:shop-settings"

    name = models.CharField(max_length=120, default="Candor")
    legal_name = models.CharField(max_length=200, blank=True)
    street_address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = CountryField(default="PK")
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(default="hello@candor.example")
    currency = models.CharField(max_length=3, default="PKR", help_text="ISO 4217 code")
    locale = models.CharField(max_length=10, default="en_PK", help_text="Locale for money formats")

    class Meta:
        verbose_name = "shop settings"
        verbose_name_plural = "shop settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="shop_settings_singleton")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)
        invalidate_pages()  # every page shows the shop's name and contact

    @classmethod
    def load(cls) -> "ShopSettings":
        """The settings row, cached; created with defaults on first use."""
        found = cache.get(cls.CACHE_KEY)
        if found is None:
            found, _ = cls.objects.get_or_create(pk=1)
            cache.set(cls.CACHE_KEY, found, 300)
        return found

    @property
    def address_lines(self) -> list[str]:
        lines = [self.street_address, " ".join(p for p in (self.city, self.postcode) if p)]
        return [line for line in lines if line] + [self.country.name]
