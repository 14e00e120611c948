"""Bar charts of survey results, drawn on the server as inline SVG (pygal): no script, no
third-party file; the look is shared through candor.core.svg_charts (engagement may not import
insights).
"""

from __future__ import annotations

import pygal
from django.utils.safestring import SafeString

from candor.core.svg_charts import STYLE, inline


def bar_chart(labels: list[str], counts: list[int], *, title: str, horizontal: bool) -> SafeString:
    """Counts per label as bars; pygal writes the SVG with an XML serialiser, so every label
    in it is escaped."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(
        style=STYLE,
        js=[],  # no <script src> to pygal's site
        disable_xml_declaration=True,
        show_legend=False,
        width=720,
        height=max(200, 48 * len(labels) + 80) if horizontal else 280,
        min_scale=1,
        include_x_axis=True,
        truncate_label=40,
        print_values=True,
    )
    chart.x_labels = labels
    chart.add("answers", counts)
    return inline(chart, title)
