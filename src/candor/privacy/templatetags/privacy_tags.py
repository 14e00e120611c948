"""`{% consented_tags %}`: the registered tags (scripts) the visitor has agreed to (P10).

Put once at the end of <body>. A tag whose category lacks consent is not in the page at all,
so its script is never requested and can set nothing.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from candor.privacy import cookies
from candor.privacy.consent import consent_for

register = template.Library()


@register.simple_tag(takes_context=True)
def consented_tags(context) -> SafeString:
    request = context.get("request")
    if request is None:  # e.g. a mail rendered from base.html: no visitor, no tags
        return mark_safe("")
    consent = consent_for(request)
    rendered = [
        render_to_string(tag.template, {"tag": tag})
        for tag in cookies.tags()
        if consent.allows(tag.category)
    ]
    return mark_safe("".join(rendered))  # noqa: S308  (our own templates, rendered escaped)
