"""Reads shared by the catalog's pages, the CKAN API and the DCAT exports."""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import get_language

from apertura.audit.models import AuditEvent
from apertura.geo import regions as geography
from apertura.institutions.models import Institution

from .models import DataRequest, Dataset, License, Resource, Tag, Theme
from .search import dataset_search


def published() -> QuerySet:
    return Dataset.objects.filter(state=Dataset.State.PUBLISHED)


def with_details(qs: QuerySet) -> QuerySet:
    """Everything a dataset page or package dict shows, in a fixed number of queries."""
    return qs.select_related("publisher", "license").prefetch_related(
        "tags", "themes", Prefetch("resources", queryset=Resource.objects.order_by("position", "created")),
        "commitments__plan")


def dataset_get(*, name_or_id: str, qs: QuerySet | None = None) -> Dataset:
    """By name or id (CKAN's package_show accepts either); raises Dataset.DoesNotExist."""
    qs = with_details(qs if qs is not None else published())
    if "\x00" in name_or_id:
        raise Dataset.DoesNotExist(name_or_id)
    found = qs.filter(name=name_or_id).first()
    if found is None:
        try:
            found = qs.filter(pk=name_or_id).first()
        except Exception:  # noqa: BLE001 - not a UUID: simply not found
            found = None
    if found is None:
        raise Dataset.DoesNotExist(name_or_id)
    return found


def datasets_find(*, q: str = "", fq: str = "", sort: str = "", qs: QuerySet | None = None) -> QuerySet:
    return dataset_search(qs if qs is not None else published(), q=q, fq=fq, sort=sort)


FACETS = ["organization", "groups", "tags", "res_format", "license_id", "department"]
FACET_IDS_MAX = 2_000


FACETS_CACHE_SECONDS = 600


def facets(qs: QuerySet, fields: Sequence[str] = FACETS, *, limit: int = 50) -> dict[str, list[dict]]:
    """Counts per value of each facet among the datasets of `qs`: [{name, display_name, count}], most first.
    Counting over a whole catalog takes seconds at 100,000 datasets, so the counts of each search are cached until
    the next write (see `_facets_key`)."""
    key = _facets_key(qs, fields, limit)
    counted = cache.get(key) if key else None
    if counted is None:
        counted = _count_facets(qs, fields, limit)
        if key:
            cache.set(key, counted, FACETS_CACHE_SECONDS)
    return counted


def _facets_key(qs: QuerySet, fields: Sequence[str], limit: int) -> str | None:
    """Facet counts change only with a write, and every write appends to the audit log in its transaction: the
    log's last id versions the cache, so no count is ever served stale."""
    try:
        sql = str(qs.order_by().query)
    except EmptyResultSet:
        return None
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    digest = hashlib.sha256(f"{sql}|{list(fields)}|{limit}|{get_language()}".encode()).hexdigest()
    return f"catalog:facets:{last}:{digest}"


def _count_facets(qs: QuerySet, fields: Sequence[str], limit: int) -> dict[str, list[dict]]:
    # A search of a few thousand datasets is run once and its ids handed to the six facet queries; a broader one
    # stays a subquery (a long IN list costs more than the search it saves).
    ids: QuerySet[Any, dict[str, Any]] | list[Any]  # the search as a subquery, or its ids
    ids = qs.order_by().values("pk")
    found = list(ids.values_list("pk", flat=True)[:FACET_IDS_MAX + 1])
    if len(found) <= FACET_IDS_MAX:
        ids = found
    out: dict[str, list[dict]] = {}
    for field in fields:
        if field == "organization":
            items = [(i.slug, f"{i.name} ({i.acronym})", i.count)
                     for i in Institution.objects.filter(datasets__in=ids).annotate(count=Count("datasets"))]
        elif field == "groups":
            items = [(t.code, t.label, t.count) for t in
                     Theme.objects.filter(datasets__in=ids).annotate(count=Count("datasets"))]
        elif field == "tags":
            items = list(Tag.objects.filter(datasets__in=ids).annotate(count=Count("datasets"))
                         .values_list("name", "name", "count"))
        elif field == "res_format":
            rows = (Resource.objects.filter(dataset__in=ids).exclude(format="").values("format")
                    .annotate(count=Count("dataset", distinct=True)).values_list("format", "count"))
            items = [(fmt, fmt, count) for fmt, count in rows]
        elif field == "license_id":
            counts = dict(Dataset.objects.filter(pk__in=ids).order_by().values("license_id")
                          .annotate(count=Count("pk")).values_list("license_id", "count"))
            titles = License.objects.in_bulk(list(counts))
            items = [(pk, titles[pk].title, count) for pk, count in counts.items()]
        elif field == "department":
            # Counted by the database in one pass (22 filtered counts), not by reading every row's codes here.
            codes = [code for code, _name in geography.DEPARTMENTS]
            counts = Dataset.objects.filter(pk__in=ids).exclude(spatial_index="").aggregate(**{
                f"d{code}": Count("pk", filter=Q(spatial_index__contains=f" {code} ")) for code in codes})
            items = [(code, geography.label(code), counts[f"d{code}"]) for code in codes if counts[f"d{code}"]]
        else:
            continue
        items.sort(key=lambda item: (-item[2], str(item[1]).casefold()))
        out[field] = [{"name": n, "display_name": d, "count": c} for n, d, c in items[:limit if limit >= 0 else None]]
    return out


def data_requests(*, status: str = "", institution: str = "") -> QuerySet:
    qs = DataRequest.objects.select_related("institution", "dataset").annotate(support_count=Count("supports"))
    if status:
        qs = qs.filter(status=status)
    if institution:
        qs = qs.filter(institution__slug=institution)
    return qs.order_by("-priority", "-support_count", "-created")


def supply_and_demand() -> list[dict]:
    """Per institution: datasets published (supply) beside requests received and how they were answered (demand)."""
    published_count = Count("datasets", filter=Q(datasets__state=Dataset.State.PUBLISHED), distinct=True)
    rows = {i.pk: {"institution": i, "datasets": i.published, "requests": 0, "open": 0, "planned": 0,
                   "published": 0, "refused": 0, "supports": 0, "priorities": 0, "days": []}
            for i in Institution.objects.annotate(published=published_count)}
    for r in DataRequest.objects.annotate(support_count=Count("supports")):
        row = rows[r.institution_id]
        row["requests"] += 1
        row[r.status] += 1
        row["supports"] += r.support_count
        row["priorities"] += int(r.priority)
        if r.days_to_answer is not None:
            row["days"].append(r.days_to_answer)
    out = []
    for row in rows.values():
        if row["datasets"] or row["requests"]:
            days = sorted(row.pop("days"))
            row["median_days"] = statistics.median(days) if days else None
            out.append(row)
    return sorted(out, key=lambda row: (-row["requests"], -row["datasets"], row["institution"].acronym))
