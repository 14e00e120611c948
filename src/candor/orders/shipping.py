"""Which shipping methods serve a country, and what they cost for a subtotal."""

from decimal import Decimal

from .models import ShippingMethod, ShippingZone


def zone_for(country_code: str) -> ShippingZone | None:
    zones = list(ShippingZone.objects.all())
    for zone in zones:
        if country_code in [c.code for c in zone.countries]:
            return zone
    return next((zone for zone in zones if zone.rest_of_world), None)


def methods_for(country_code: str) -> list[ShippingMethod]:
    zone = zone_for(country_code)
    if zone is None:
        return []
    return list(zone.methods.filter(is_active=True).order_by("price", "id"))


def quote(method: ShippingMethod, subtotal: Decimal) -> Decimal:
    return method.cost_for(subtotal)
