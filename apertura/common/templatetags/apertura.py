from urllib.parse import urlencode

import nh3
from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

register = template.Library()
# Plan texts and user contributions are Markdown; raw HTML is never passed through.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@register.filter
def markdown(text: str) -> str:
    return mark_safe(nh3.clean(_markdown.render(text or "")))  # noqa: S308 - sanitised by nh3


@register.filter
def partial_date(value) -> str:
    """Render a PartialDate (or None) without inventing precision."""
    return value.display() if value else ""


@register.simple_tag(takes_context=True)
def twin_url(context, fmt: str) -> str:
    """The current page's URL with its filters and ?format=fmt."""
    request = context["request"]
    params = request.GET.copy()
    params["format"] = fmt
    return f"{request.path}?{urlencode(sorted(params.items()))}"


@register.simple_tag(takes_context=True)
def query_without(context, key: str) -> str:
    params = context["request"].GET.copy()
    params.pop(key, None)
    params.pop("format", None)
    return "?" + params.urlencode() if params else context["request"].path


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
