from decimal import Decimal

from django import forms
from django.contrib import admin

from candor.core.admin_actions import action_with_form
from candor.core.admin_initial import AutocompleteInitialMixin
from candor.core.pagecache import invalidate as invalidate_pages

from . import notices, services
from .models import Brand, Category, Product, Variant, VariantChange


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate_pages()

    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate_pages()

    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "storage", "colour", "price", "stock", "is_active"]
    # Stock changes only through the audited actions: a form re-saving the number it was
    # rendered with would hand back units sold since the page was opened.
    readonly_fields = ["stock"]


@admin.register(Product)
class ProductAdmin(AutocompleteInitialMixin, admin.ModelAdmin):
    list_display = ["name", "brand", "category", "price_from", "is_featured", "is_active"]
    list_filter = ["category", "brand", "is_featured", "is_active"]
    list_editable = ["is_featured", "is_active"]
    list_select_related = ["brand", "category"]
    search_fields = ["name", "variants__sku"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["price_from", "created_at"]
    autocomplete_fields = ["brand"]
    inlines = [VariantInline]
    actions = ["announce_to_category_followers"]

    @admin.action(
        description="Mail to people following its category (once per person)",
        permissions=["change"],
    )
    def announce_to_category_followers(self, request, queryset):
        queued = notices.schedule_announcements(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{queued} product(s) will be announced to confirmed followers of their "
            "category; inactive products were skipped.",
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_price_from([form.instance.pk])


class PercentForm(forms.Form):
    percent = forms.DecimalField(
        min_value=Decimal("-90"),
        max_value=Decimal("500"),
        decimal_places=2,
        help_text="e.g. 10 raises prices by 10%, -15 cuts them by 15%.",
    )


class StockForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=1_000_000)


class DeliveryForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=1, max_value=1_000_000, help_text="Units received, added to each variant."
    )


def _adjust_prices(request, queryset, data):
    changed = services.adjust_prices(
        variant_ids=queryset.values_list("pk", flat=True),
        percent=data["percent"],
        acting_user=request.user,
    )
    return f"Changed the price of {changed} variants by {data['percent']}%."


def _add_stock(request, queryset, data):
    changed = services.add_stock(
        variant_ids=queryset.values_list("pk", flat=True),
        quantity=data["quantity"],
        acting_user=request.user,
    )
    return f"Added {data['quantity']} to the stock of {changed} variants."


def _set_stock(request, queryset, data):
    changed = services.set_stock(
        variant_ids=queryset.values_list("pk", flat=True),
        quantity=data["quantity"],
        acting_user=request.user,
    )
    return f"Set stock to {data['quantity']} for {changed} variants."


@admin.register(Variant)
class VariantAdmin(AutocompleteInitialMixin, admin.ModelAdmin):
    """The bulk view: edit prices and stock in the list, or change many at once with actions."""

    list_display = ["sku", "product", "storage", "colour", "price", "stock", "is_active"]
    list_editable = ["price", "is_active"]
    list_filter = ["product__category", "product__brand", "is_active"]
    list_select_related = ["product"]
    search_fields = ["sku", "product__name"]
    autocomplete_fields = ["product"]
    list_per_page = 100
    actions = [
        action_with_form(
            form_class=PercentForm, title="Change prices by a percentage", apply=_adjust_prices
        ),
        action_with_form(form_class=DeliveryForm, title="Add stock (a delivery)", apply=_add_stock),
        action_with_form(form_class=StockForm, title="Set stock (a stock-take)", apply=_set_stock),
    ]

    readonly_fields = ["stock"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_price_from([obj.product_id])


@admin.register(VariantChange)
class VariantChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "variant", "field", "old_value", "new_value", "changed_by"]
    list_filter = ["field"]
    search_fields = ["variant__sku"]
    list_select_related = ["variant__product", "changed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
