"""The phone order form (P22): the same fields an online order needs, and no more."""

from django import forms
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField
from phonenumber_field.formfields import PhoneNumberField

from candor.catalog.models import Variant
from candor.core.models import ShopSettings
from candor.core.postcodes import validate_postcode

from .models import PaymentMethod, ShippingMethod

LINE_COUNT = 5


class PhoneOrderForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    email = forms.EmailField(
        required=False, help_text="Optional: only if the customer wants mail about the order."
    )
    phone = PhoneNumberField()
    shipping_name = forms.CharField(label="Full name", max_length=150)
    shipping_line1 = forms.CharField(label="Address", max_length=200)
    shipping_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    shipping_city = forms.CharField(label="City", max_length=100)
    shipping_postcode = forms.CharField(label="Postcode", max_length=20, required=False)
    shipping_country = LazyTypedChoiceField(label="Country", choices=countries)
    shipping_method = forms.ModelChoiceField(queryset=ShippingMethod.objects.filter(is_active=True))
    payment_method = forms.ChoiceField(
        choices=[
            (PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.CASH_ON_DELIVERY.label),
            (PaymentMethod.BANK_TRANSFER, PaymentMethod.BANK_TRANSFER.label),
        ]
    )
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = ShopSettings.load().country.code
        self.fields["phone"].region = region
        if not self.is_bound:
            self.fields["shipping_country"].initial = region
        for index in range(LINE_COUNT):
            self.fields[f"sku_{index}"] = forms.CharField(
                label=f"SKU {index + 1}", max_length=64, required=index == 0
            )
            self.fields[f"quantity_{index}"] = forms.IntegerField(
                label=f"Quantity {index + 1}", min_value=1, max_value=100, required=False
            )

    def clean(self):
        cleaned = super().clean()
        country, postcode = cleaned.get("shipping_country"), cleaned.get("shipping_postcode")
        if country and postcode:
            try:
                cleaned["shipping_postcode"] = validate_postcode(postcode, country)
            except forms.ValidationError as error:
                self.add_error("shipping_postcode", error)
        quantities: dict[int, int] = {}
        for index in range(LINE_COUNT):
            sku = (cleaned.get(f"sku_{index}") or "").strip()
            if not sku:
                continue
            variant = Variant.objects.filter(sku__iexact=sku, is_active=True).first()
            if variant is None:
                self.add_error(f"sku_{index}", f"No product is sold with SKU “{sku}”.")
                continue
            quantity = cleaned.get(f"quantity_{index}") or 1
            quantities[variant.pk] = quantities.get(variant.pk, 0) + quantity
        if not quantities and not self.errors:
            raise forms.ValidationError("Add at least one item.")
        cleaned["quantities"] = quantities
        return cleaned
