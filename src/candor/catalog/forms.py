from decimal import Decimal

from django import forms

from .queries import SORTS, ListingFilter

SORT_CHOICES = [
    ("newest", "Newest"),
    ("price_asc", "Price: low to high"),
    ("price_desc", "Price: high to low"),
    ("name", "Name"),
]


class ListingForm(forms.Form):
    """Filters from the query string. Invalid values are reported and ignored, never a 500."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    brand = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    min_price = forms.DecimalField(
        required=False, min_value=Decimal(0), max_digits=12, decimal_places=2, label="Min price"
    )
    max_price = forms.DecimalField(
        required=False, min_value=Decimal(0), max_digits=12, decimal_places=2, label="Max price"
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, data, *, brands, allow_relevance=False):
        super().__init__(data)
        self.fields["brand"].choices = [(b.slug, b.name) for b in brands]
        if allow_relevance:
            self.fields["sort"].choices = [("relevance", "Best match"), *SORT_CHOICES]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The minimum price is above the maximum price.")
        return cleaned

    def to_filter(self, default_sort: str = "newest") -> ListingFilter:
        if not self.is_valid():
            # Keep only the fields that did validate; the page shows what was wrong.
            good = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
            if "__all__" in self.errors:
                good.pop("min_price", None)
                good.pop("max_price", None)
        else:
            good = self.cleaned_data
        sort = good.get("sort") or default_sort
        if sort not in SORTS and sort != "relevance":
            sort = default_sort
        return ListingFilter(
            brands=tuple(good.get("brand") or ()),
            min_price=good.get("min_price"),
            max_price=good.get("max_price"),
            sort=sort,
            query=(good.get("q") or "").strip(),
        )


class EmailOnlyForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)


class NotifyForm(EmailOnlyForm):
    variant = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
