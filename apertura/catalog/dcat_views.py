"""DCAT (Turtle, RDF/XML, JSON-LD) with Hydra paging and modified_since, and Project Open Data data.json."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import selectors
from .formats.datajson import catalog_chunks
from .formats.dcat import SERIALIZATIONS, Triples, catalog_triples, dataset_triples
from .models import Dataset
from .search import QuerySyntaxError, parse_moment
from .views import base_url


class _CollectorPause:
    """A page of 1,000 datasets allocates some 100,000 objects (model instances, RDF terms) that all live until
    the response is written; the cyclic garbage collector would walk the whole heap several times meanwhile
    without freeing any of them (half the time of a page, measured). Paused while a page is built, and turned
    back on when the last page being built in this process (threads share the collector) is done, with one
    collection of the young objects: the page's (model instances refer to each other) are garbage by then."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pausing = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self):
        with self._lock:
            if not self._pausing:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._pausing += 1
        try:
            yield
        finally:
            with self._lock:
                self._pausing -= 1
                if not self._pausing and self._was_enabled:
                    gc.enable()
                    gc.collect(1)


_collector_paused = _CollectorPause()


def _rdf(triples: Triples, fmt: str) -> HttpResponse:
    content_type = SERIALIZATIONS[fmt][1]
    response = HttpResponse(triples.serialize(fmt), content_type=f"{content_type}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _number(request, key: str, default: int) -> int:
    try:
        return max(1, int(request.GET.get(key, default)))
    except ValueError:
        return default


def catalog(request, fmt):
    since = request.GET.get("modified_since", "").strip()
    moment = None
    if since:
        try:
            moment = parse_moment(since, "modified_since")
        except QuerySyntaxError as error:
            return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    per_page = min(_number(request, "per_page", selectors.DCAT_PER_PAGE), selectors.DCAT_PER_PAGE_MAX)
    page = _number(request, "page", 1)
    base = base_url(request)

    def page_url(number):
        params = {k: v for k, v in request.GET.items() if k != "page"}
        params["page"] = number
        return f"{base}{request.path}?{urlencode(sorted(params.items()))}"

    with _collector_paused():
        datasets, total, last = selectors.dcat_page(since=moment, page=page, per_page=per_page)
        paging = {"url": page_url(page), "total": total, "per_page": per_page, "first": page_url(1),
                  "last": page_url(last), "next": page_url(page + 1) if page < last else None,
                  "previous": page_url(page - 1) if page > 1 else None}
        newest = max((d.modified for d in datasets), default=None)
        return _rdf(catalog_triples(datasets, base, page=paging, modified=newest), fmt)


def dataset(request, name, fmt):
    if fmt == "xml":
        fmt = "rdf"
    try:
        found = selectors.dataset_get(name_or_id=name)
    except Dataset.DoesNotExist:
        raise Http404(_("There is no dataset «%(name)s».") % {"name": name}) from None
    return _rdf(dataset_triples(found, base_url(request)), fmt)


def data_json(request):
    response = StreamingHttpResponse(catalog_chunks(selectors.data_json_datasets(), base_url(request)),
                                     content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
