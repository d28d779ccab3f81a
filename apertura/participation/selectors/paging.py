"""One page of a list, as every paged participation list (and its JSON twin) shows it: Django's Page, which the
shared pager template (`_pager.html`) links from. The selectors that call this own their page sizes."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator


def page_of(items: Any, number: int | str | None, *, per_page: int, count: int | None = None) -> Page:
    """Page `number` (as the request gave it: a bad or missing number is the first page, one past the end the
    last) of `items`, `per_page` a page. `count`, when the caller has counted already, saves counting again."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not counted again
    return paginator.get_page(number)
