"""DCAT (Turtle, RDF/XML, JSON-LD) with Hydra paging and modified_since, and Project Open Data data.json."""

from __future__ import annotations

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import selectors
from .formats.datajson import catalog_chunks
from .formats.dcat import SERIALIZATIONS, catalog_graph, dataset_graph
from .models import Dataset
from .search import QuerySyntaxError, parse_moment
from .views import base_url

PER_PAGE, PER_PAGE_MAX = 100, 1000


def _rdf(graph, fmt: str) -> HttpResponse:
    serialization, content_type = SERIALIZATIONS[fmt]
    response = HttpResponse(graph.serialize(format=serialization), content_type=f"{content_type}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _number(request, key: str, default: int) -> int:
    try:
        return max(1, int(request.GET.get(key, default)))
    except ValueError:
        return default


def catalog(request, fmt):
    qs = selectors.published().order_by("-modified", "name")
    since = request.GET.get("modified_since", "").strip()
    if since:
        try:
            moment = parse_moment(since, "modified_since")
        except QuerySyntaxError as error:
            return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
        if moment is not None:
            qs = qs.filter(modified__gte=moment)
    per_page = min(_number(request, "per_page", PER_PAGE), PER_PAGE_MAX)
    page = _number(request, "page", 1)
    total = qs.count()
    last = max(1, -(-total // per_page))
    base = base_url(request)

    def page_url(number):
        params = {k: v for k, v in request.GET.items() if k != "page"}
        params["page"] = number
        return f"{base}{request.path}?{urlencode(sorted(params.items()))}"

    paging = {"url": page_url(page), "total": total, "per_page": per_page, "first": page_url(1),
              "last": page_url(last), "next": page_url(page + 1) if page < last else None,
              "previous": page_url(page - 1) if page > 1 else None}
    datasets = list(selectors.with_details(qs)[(page - 1) * per_page: page * per_page])
    newest = max((d.modified for d in datasets), default=None)
    return _rdf(catalog_graph(datasets, base, page=paging, modified=newest), fmt)


def dataset(request, name, fmt):
    if fmt == "xml":
        fmt = "rdf"
    try:
        found = selectors.dataset_get(name_or_id=name)
    except Dataset.DoesNotExist:
        raise Http404(_("There is no dataset «%(name)s».") % {"name": name}) from None
    return _rdf(dataset_graph(found, base_url(request)), fmt)


def data_json(request):
    datasets = selectors.with_details(selectors.published().order_by("name")).iterator(chunk_size=500)
    response = StreamingHttpResponse(catalog_chunks(datasets, base_url(request)),
                                     content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
