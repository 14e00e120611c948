from django import forms

from .services import MAX_QUANTITY


class AddToCartForm(forms.Form):
    variant = forms.IntegerField(
        min_value=1, max_value=2**62, error_messages={"required": "Choose an option first."}
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, initial=1)


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)
