from django import template

from candor.core.svg_charts import with_nonce as _with_nonce

register = template.Library()


@register.filter
def with_nonce(svg, nonce):
    """An inline SVG chart whose <style> the page's Content-Security-Policy nonce allows:
    {{ chart|with_nonce:request.csp_nonce }}."""
    return _with_nonce(svg, str(nonce))
