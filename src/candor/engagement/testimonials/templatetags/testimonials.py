"""`{% product_testimonials product %}`: the newest published testimonials on a product page.

Lives here, not in catalog, because catalog sits below engagement and must not import it; the
catalogue template only loads this library.
"""

from django import template

from .. import queries

register = template.Library()

SHOWN = 3


@register.inclusion_tag("testimonials/_for_product.html")
def product_testimonials(product):
    # One query: one row more than shown says whether to link to the rest.
    found = list(queries.published().filter(consent__product_id=product.pk)[: SHOWN + 1])
    return {"product": product, "testimonials": found[:SHOWN], "more": len(found) > SHOWN}
