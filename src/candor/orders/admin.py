import uuid

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from candor.core.admin_actions import action_with_form
from candor.privacy.admin_masking import MaskPersonalData

from . import manifest, services
from .forms import PhoneOrderForm
from .models import (
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    OrderStatusChange,
    ScreeningOutcome,
    ScreeningResult,
    ShippingMethod,
    ShippingZone,
)
from .screening import decisions


class ShippingMethodInline(admin.TabularInline):
    model = ShippingMethod
    extra = 0


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "rest_of_world"]
    inlines = [ShippingMethodInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = readonly_fields = [
        "sku",
        "product_name",
        "variant_label",
        "unit_price",
        "quantity",
        "line_total",
    ]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HistoryInline(admin.TabularInline):
    model = OrderStatusChange
    extra = 0
    fields = readonly_fields = ["created_at", "from_status", "to_status", "changed_by", "note"]
    can_delete = False
    verbose_name_plural = "status history"

    def has_add_permission(self, request, obj=None):
        return False


def _reasons_html(result: ScreeningResult | None):
    if result is None or not result.reasons:
        return "—"
    return format_html(
        "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((r,) for r in result.reasons))
    )


class ScreeningInline(admin.StackedInline):
    """P25: the screening verdict and the staff decision. The IP address it may hold is not
    shown: the reasons say what it counted."""

    model = ScreeningResult
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "screener",
        "outcome",
        "reasons_list",
        "score",
        "created_at",
        "decision",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    verbose_name = verbose_name_plural = "order screening"

    @admin.display(description="reasons")
    def reasons_list(self, obj):
        return _reasons_html(obj)

    def has_add_permission(self, request, obj=None):
        return False


class DecisionForm(forms.Form):
    note = forms.CharField(
        max_length=300, required=False, help_text="Optional: what you checked (staff only)."
    )


def _decide(decide, done: str):
    def apply(request, queryset, data):
        decided = []
        for order in queryset:
            try:
                decide(order=order, acting_user=request.user, note=data["note"])
                decided.append(order.number)
            except services.OrderError as refused:
                messages.error(request, str(refused))
        return f"{done}: {', '.join(decided) or 'none'}."

    return apply


def _held_action(decide, title: str, done: str):
    action = action_with_form(form_class=DecisionForm, title=title, apply=_decide(decide, done))
    action.allowed_permissions = ("decide",)  # OrderAdmin.has_decide_permission
    return action


def _transition(to_status: str, title: str):
    def action(modeladmin, request, queryset):
        done = 0
        for order in queryset:
            try:
                services.change_status(order=order, to_status=to_status, acting_user=request.user)
                done += 1
            except services.OrderError as refused:
                modeladmin.message_user(request, str(refused), messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{title}: {done} order(s).", messages.SUCCESS)

    action.short_description = title
    action.__name__ = f"mark_{to_status}"
    action.allowed_permissions = ("change",)
    return action


@admin.action(description="Record payment received (bank transfer, cash)", permissions=["change"])
def record_payment(modeladmin, request, queryset):
    for order in queryset:
        try:
            services.record_payment(
                order=order, acting_user=request.user, note="Payment recorded by staff"
            )
        except services.OrderError as refused:
            modeladmin.message_user(request, str(refused), messages.ERROR)
        else:
            modeladmin.message_user(request, f"{order.number}: payment recorded.")


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=100)
    tracking_number = forms.CharField(max_length=100)


def _ship(request, queryset, data):
    shipped = []
    for order in queryset:
        try:
            services.change_status(
                order=order, to_status=OrderStatus.SHIPPED, acting_user=request.user, **data
            )
            shipped.append(order.number)
        except services.OrderError as refused:
            messages.error(request, str(refused))
    return f"Shipped: {', '.join(shipped) or 'none'}."


@admin.register(Order)
class OrderAdmin(MaskPersonalData, admin.ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "status",
        "payment_method",
        "is_paid",
        "total",
        "source",
        "screening_outcome",
    ]
    list_filter = ["status", "screening__outcome", "payment_method", "source", "created_at"]
    list_select_related = ["screening"]
    search_fields = ["number", "email", "tracking_number"]
    date_hierarchy = "created_at"
    inlines = [ScreeningInline, OrderLineInline, HistoryInline]
    actions = [
        _held_action(
            decisions.release_held_order,
            "Release held orders (screening review done)",
            "Released",
        ),
        _held_action(
            decisions.cancel_held_order,
            "Cancel held orders (returns stock, mails the customer)",
            "Cancelled",
        ),
        record_payment,
        _transition(OrderStatus.PACKED, "Mark packed"),
        action_with_form(
            form_class=ShipForm, title="Mark shipped (carrier, tracking)", apply=_ship
        ),
        _transition(OrderStatus.DELIVERED, "Mark delivered"),
        _transition(OrderStatus.CANCELLED, "Cancel (returns stock)"),
        _transition(OrderStatus.REFUNDED, "Refund"),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Order._meta.fields]

    @admin.display(boolean=True, description="paid")
    def is_paid(self, obj):
        return obj.is_paid

    @admin.display(description="screening")
    def screening_outcome(self, obj):
        """The verdict, and for a held order the reasons, so the queue reads at a glance."""
        result = getattr(obj, "screening", None)
        if result is None:
            return "—"
        if result.outcome == ScreeningOutcome.ACCEPT:
            return result.get_outcome_display()
        return format_html("{}{}", result.get_outcome_display(), _reasons_html(result))

    def has_decide_permission(self, request):
        return request.user.has_perm("orders.decide_held_orders")

    def changelist_view(self, request, extra_context=None):
        # P25: the queue of held orders is this list filtered; the link says how long it is.
        held = Order.objects.filter(status=OrderStatus.HELD).count()
        return super().changelist_view(request, {**(extra_context or {}), "held_count": held})

    def has_add_permission(self, request):
        return False  # orders come from checkout or the phone order form

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "phone/",
                self.admin_site.admin_view(self.phone_order_view),
                name="orders_order_phone",
            ),
            path(
                "<int:pk>/manifest.<str:fmt>",
                self.admin_site.admin_view(manifest.download_view),
                name="orders_order_manifest",
            ),
            *super().get_urls(),
        ]

    def phone_order_view(self, request):
        """Record an order taken over the phone (P22), through the same service as checkout."""
        if not self.has_change_permission(request):
            return redirect("admin:index")
        form = PhoneOrderForm(request.POST or None, initial={"token": uuid.uuid4()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                order, _ = services.place_order(
                    checkout_token=data["token"],
                    quantities=data["quantities"],
                    customer=services.CustomerDetails(
                        email=data["email"],
                        phone=data["phone"].as_e164,
                        shipping_name=data["shipping_name"],
                        shipping_line1=data["shipping_line1"],
                        shipping_line2=data["shipping_line2"],
                        shipping_city=data["shipping_city"],
                        shipping_postcode=data["shipping_postcode"],
                        shipping_country=data["shipping_country"],
                    ),
                    shipping_method_id=data["shipping_method"].pk,
                    payment_method=data["payment_method"],
                    note=data["note"],
                    source=OrderSource.PHONE,
                    acting_user=request.user,
                )
            except (services.OrderError, services.OutOfStock) as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(request, *_phone_order_message(order))
                return redirect(reverse("admin:orders_order_change", args=[order.pk]))
        return TemplateResponse(
            request,
            "admin/orders/phone_order.html",
            {
                **self.admin_site.each_context(request),
                "title": "Record a phone order",
                "form": form,
                "opts": self.model._meta,
            },
            status=400 if form.is_bound and form.errors else 200,
        )


def _phone_order_message(order: Order) -> tuple[str, int]:
    """What staff are told after recording a phone order, by its screening (P25)."""
    if order.status == OrderStatus.HELD:
        return (
            f"Phone order {order.number} recorded and held for review by order screening; "
            "see its screening reasons below.",
            messages.WARNING,
        )
    if order.status == OrderStatus.CANCELLED:
        return (
            f"Phone order {order.number} was declined by order screening (no stock taken); "
            "see its screening reasons below.",
            messages.ERROR,
        )
    return f"Phone order {order.number} recorded.", messages.INFO
