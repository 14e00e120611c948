"""Server-rendered SVG charts (pygal) that staff pages place inline: one look for all of them,
no script, nothing fetched from elsewhere.

Under the Content-Security-Policy (no inline styles) a chart keeps its one <style> element by
the response's nonce: the page places it with `{{ chart|with_nonce:request.csp_nonce }}`
(core's `charts` template tags). pygal's only style attribute (the hidden tooltip's) becomes
the equivalent SVG attribute.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

# pygal's credits (links nobody needs here) and the inline script it always writes (its
# configuration for the tooltips, which would need its external script anyway).
NOT_NEEDED = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.DOTALL)


def style(colors: tuple[str, ...] = ("#1f6f8b",)) -> Style:
    return Style(
        background="white",
        plot_background="white",
        foreground="#333",
        foreground_strong="#111",
        foreground_subtle="#ccc",
        colors=colors,
        font_family="system-ui, sans-serif",
    )


STYLE = style()
# Several series on one chart: colours told apart also by people with the commonest
# colour-vision deficiencies (Okabe and Ito's palette).
MANY = style(("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000"))


def inline(chart, title: str) -> SafeString:
    """The chart as SVG to place in a page, labelled for screen readers. pygal writes it with
    an XML serialiser, so every text in it is escaped."""
    svg = NOT_NEEDED.sub("", chart.render(is_unicode=True)).replace(
        'style="opacity: 0"', 'opacity="0"'
    )
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1))


def with_nonce(svg: str, nonce: str) -> SafeString:
    """The chart with its <style> elements allowed by the page's CSP nonce."""
    return mark_safe(str(svg).replace("<style ", f'<style nonce="{escape(nonce)}" '))
