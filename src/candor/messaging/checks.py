"""Transactional and service mail carry no marketing (P8).

A marketing block is a template block whose name starts with "marketing" or an include of a
template whose name contains "marketing" (product offers, the newsletter pitch). The system
check refuses any email template that extends the transactional or service base and holds
one; `enqueue` refuses the same at run time, for templates the check could not see.
"""

from functools import lru_cache
from pathlib import Path

from django.core.checks import Error, register
from django.template import engines
from django.template.base import Node
from django.template.loader_tags import BlockNode, ExtendsNode, IncludeNode

NON_MARKETING_BASES = {
    "messaging/email/transactional.txt",
    "messaging/email/transactional.html",
    "messaging/email/service.txt",
    "messaging/email/service.html",
}


class MarketingInNonMarketingMail(ValueError):
    pass


def _constant_name(node: ExtendsNode | IncludeNode) -> str | None:
    expression = node.parent_name if isinstance(node, ExtendsNode) else node.template
    var = getattr(expression, "var", None)
    value = getattr(var, "literal", var)
    return value if isinstance(value, str) else None


def _nodes(template_name: str) -> list[Node]:
    template = engines["django"].engine.get_template(template_name)
    return list(template.nodelist.get_nodes_by_type(Node))


def _parents(template_name: str) -> list[str]:
    chain, seen = [], {template_name}
    name = template_name
    while True:
        extends = [n for n in _nodes(name) if isinstance(n, ExtendsNode)]
        parent = _constant_name(extends[0]) if extends else None
        if parent is None or parent in seen:
            return chain
        chain.append(parent)
        seen.add(parent)
        name = parent


def marketing_blocks(template_name: str) -> list[str]:
    found = []
    for node in _nodes(template_name):
        if isinstance(node, BlockNode) and node.name.startswith("marketing"):
            found.append(f"block {node.name}")
        elif isinstance(node, IncludeNode):
            included = _constant_name(node) or ""
            if "marketing" in included:
                found.append(f"include {included}")
    return found


def is_non_marketing(template_name: str) -> bool:
    return template_name in NON_MARKETING_BASES or bool(
        NON_MARKETING_BASES.intersection(_parents(template_name))
    )


@lru_cache(maxsize=512)
def refuse_marketing_content(template: str) -> None:
    """Raise if a transactional or service mail template holds a marketing block."""
    for suffix in (".txt", ".html"):
        name = template + suffix
        problems = marketing_blocks(name)
        if problems:
            raise MarketingInNonMarketingMail(f"{name} holds {', '.join(problems)}")


def email_templates() -> list[str]:
    """Every template under an `email/` folder in the template directories."""
    names = set()
    for loader in engines["django"].engine.template_loaders:
        for directory in loader.get_dirs():
            root = Path(directory)
            for path in root.rglob("*"):
                relative = path.relative_to(root).as_posix()
                if path.suffix in (".txt", ".html") and "/email/" in f"/{relative}":
                    names.add(relative)
    return sorted(names)


@register()
def check_no_marketing_in_transactional_mail(app_configs=None, **kwargs):
    errors = []
    for name in email_templates():
        if not is_non_marketing(name):
            continue
        problems = marketing_blocks(name)
        if problems:
            errors.append(
                Error(
                    f"{name} is transactional or service mail but holds {', '.join(problems)}.",
                    hint="Mail people cannot opt out of must carry no marketing (P8).",
                    id="messaging.E001",
                )
            )
    return errors
