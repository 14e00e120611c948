from django import template

from candor.core.models import ShopSettings
from candor.core.money import format_money

register = template.Library()


@register.filter
def money(amount):
    """Format an amount in the shop's currency: {{ price|money }}."""
    if amount is None or amount == "":
        return ""
    shop = ShopSettings.load()
    return format_money(amount, shop.currency, shop.locale)
