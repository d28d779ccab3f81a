"""Reads shared by the catalog's pages, the CKAN API and the DCAT exports, with their sorting and page sizes: views
parse the request, call these and render; they do not query the ORM themselves."""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apertura.accounts.roles import roles_of
from apertura.audit.models import AuditEvent
from apertura.geo import regions as geography
from apertura.institutions.models import Institution

from .models import ApiToken, DataRequest, Dataset, HarvestRun, HarvestSource, License, Resource, Tag, Theme
from .search import dataset_search, field_filter

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# The dataset list: its page size, how many datasets its JSON twin lists, and the orders a visitor may choose.
PAGE_SIZE = 20
TWIN_MAX = 1000
SORTS = [("score desc, metadata_modified desc", _("Relevance")),
         ("metadata_modified desc", _("Last modified")), ("title_string asc", _("Title"))]
# The CKAN Action API's page sizes: `rows` of package_search (CKAN's default 10), the largest page of any list.
API_ROWS, API_ROWS_MAX = 10, 1000
# DCAT catalog pages (Hydra paging): datasets per page, and the most a client may ask for.
DCAT_PER_PAGE, DCAT_PER_PAGE_MAX = 100, 1000
# Runs of a harvest source shown on its page, newest first.
HARVEST_RUNS_SHOWN = 50


def published() -> QuerySet:
    return Dataset.objects.filter(state=Dataset.State.PUBLISHED)


def with_details(qs: QuerySet) -> QuerySet:
    """Everything a dataset page or package dict shows, in a fixed number of queries."""
    return qs.select_related("publisher", "license").prefetch_related(
        "tags", "themes", Prefetch("resources", queryset=Resource.objects.order_by("position", "created")),
        "commitments__plan")


def dataset_get(*, name_or_id: str, qs: QuerySet | None = None, published_only: bool = True) -> Dataset:
    """By name or id (CKAN's package_show accepts either), published only unless `published_only` is False (whoever
    asks then decides who may see it: catalog.view_dataset); raises Dataset.DoesNotExist."""
    if qs is None:
        qs = published() if published_only else Dataset.objects.all()
    qs = with_details(qs)
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


def datasets_find(*, q: str = "", fq: str = "", sort: str = "", qs: QuerySet | None = None,
                  filters: Mapping[str, Sequence[str]] | None = None) -> QuerySet:
    """Published datasets (or those of `qs`) matching words `q`, the Solr filter `fq` and facet `filters` (each
    field's values all required: {"tags": ["censo"], "organization": ["ine"]}), in the order `sort` names (CKAN's
    sort syntax; relevance, then last modified, when empty). Raises search.QuerySyntaxError for what cannot be
    read."""
    qs = qs if qs is not None else published()
    for field, values in (filters or {}).items():
        for value in values:
            if value:
                qs = qs.filter(field_filter(field, value))
    return dataset_search(qs, q=q, fq=fq, sort=sort)


def dataset_sort(sort: str) -> str:
    """The list page's order if it is one it offers, else the default ("")."""
    return sort if sort in dict(SORTS) else ""


def datasets_page(qs: QuerySet, number: Any) -> Page:
    """One page (PAGE_SIZE datasets, with their details) of a search; a number out of range gives the last page."""
    return Paginator(with_details(qs), PAGE_SIZE).get_page(number)


def datasets_twin(qs: QuerySet) -> QuerySet:
    """The datasets the list's JSON twin shows: the first TWIN_MAX of the search, with their details."""
    return with_details(qs)[:TWIN_MAX]


def datasets_slice(qs: QuerySet, *, start: int, rows: int) -> QuerySet:
    """`rows` datasets of a search from `start`, with their details (at most API_ROWS_MAX)."""
    return with_details(qs)[start: start + min(rows, API_ROWS_MAX)]


def recently_modified(*, offset: int, limit: int) -> QuerySet:
    """Published datasets with their details, most recently modified first (CKAN's
    current_package_list_with_resources)."""
    qs = published().order_by("-modified", "name")
    return with_details(qs)[offset: offset + min(limit, API_ROWS_MAX)]


def package_names(*, offset: int = 0, limit: int | None = None) -> list[str]:
    """The names of the published datasets, alphabetically (CKAN's package_list)."""
    names = published().order_by("name").values_list("name", flat=True)
    return list(names[offset: offset + limit] if limit is not None else names[offset:])


def dcat_page(*, since: dt.datetime | None, page: int, per_page: int) -> tuple[list[Dataset], int, int]:
    """One page of the DCAT catalog: published datasets (modified since `since`, if given), most recently modified
    first, with their details; and the number of datasets and of pages. `per_page` is capped at
    DCAT_PER_PAGE_MAX."""
    qs = published().order_by("-modified", "name")
    if since is not None:
        qs = qs.filter(modified__gte=since)
    per_page = min(max(1, per_page), DCAT_PER_PAGE_MAX)
    total = qs.count()
    last = max(1, -(-total // per_page))
    return list(with_details(qs[(page - 1) * per_page: page * per_page])), total, last


def data_json_datasets() -> Iterator[Dataset]:
    """Every published dataset with its details, by name, read in chunks (data.json streams them)."""
    return with_details(published().order_by("name")).iterator(chunk_size=500)


def dataset_requests(dataset: Dataset) -> QuerySet:
    """The data requests answered with this dataset."""
    return dataset.requests.all()


def uploaded_resource(dataset: Dataset, resource_id: Any) -> Resource:
    """A resource of `dataset` that is an uploaded file; raises Resource.DoesNotExist."""
    return Resource.objects.exclude(file="").get(pk=resource_id, dataset=dataset)


def dataset_resource(dataset: Dataset, resource_id: Any) -> Resource:
    """A resource of `dataset` (with the dataset as given); raises Resource.DoesNotExist."""
    resource = Resource.objects.get(pk=resource_id, dataset=dataset)
    resource.dataset = dataset
    return resource


def resource_published(resource_id: str) -> Resource:
    """A resource of a published dataset, by id; raises Resource.DoesNotExist (also for an id that is not one)."""
    try:
        return Resource.objects.select_related("dataset").get(pk=resource_id, dataset__state=Dataset.State.PUBLISHED)
    except (ValueError, ValidationError):
        raise Resource.DoesNotExist(resource_id) from None


def publishable_institutions(user: User | AnonymousUser) -> QuerySet[Institution]:
    """The institutions `user` may publish for: all for an administrator, else those they edit for."""
    if roles_of(user).is_administrator:
        return Institution.objects.all()
    return Institution.objects.filter(pk__in=roles_of(user).edits)


def publisher_of(dataset: Dataset) -> QuerySet[Institution]:
    """The dataset's publisher, as the only choice of its edit form (a dataset does not change hands there)."""
    return Institution.objects.filter(pk=dataset.publisher_id)


def public_entities() -> QuerySet[Institution]:
    """The institutions data may be requested from."""
    return Institution.objects.filter(kind=Institution.Kind.PUBLIC_ENTITY)


def institution_find(key: str) -> Institution | None:
    """An institution by slug, acronym (any case) or id, as CKAN clients name an organization."""
    lookup = Q(slug__iexact=key) | Q(acronym__iexact=key) | (Q(pk=int(key)) if key.isdigit() and len(key) < 10
                                                              else Q(pk__in=[]))
    return Institution.objects.filter(lookup).first()


def institution_for_organization(organization: Any) -> Institution | None:
    """The institution a harvested package's organization ({name, title}) is here, by slug, acronym or name."""
    if not isinstance(organization, dict):
        return None
    keys = [str(organization.get(k) or "") for k in ("name", "title")]
    lookup = Q()
    for key in filter(None, keys):
        lookup |= Q(slug__iexact=key) | Q(acronym__iexact=key) | Q(name_es__iexact=key)
    return Institution.objects.filter(lookup).first() if lookup else None


def organizations() -> QuerySet[Institution]:
    """The CKAN organizations: public entities, and any institution publishing a dataset, with `package_count`."""
    counts = Count("datasets", filter=Q(datasets__state=Dataset.State.PUBLISHED))
    return (Institution.objects.annotate(package_count=counts)
            .filter(Q(kind=Institution.Kind.PUBLIC_ENTITY) | Q(package_count__gt=0)))


def organization_find(key: str) -> Institution | None:
    lookup = Q(slug__iexact=key) | Q(acronym__iexact=key) | (Q(pk=int(key)) if key.isdigit() and len(key) < 10
                                                              else Q(pk__in=[]))
    return organizations().filter(lookup).first()


def themes_counted() -> QuerySet[Theme]:
    """The themes (CKAN's groups) with `package_count`, their published datasets."""
    return Theme.objects.annotate(package_count=Count("datasets", filter=Q(datasets__state=Dataset.State.PUBLISHED)))


def theme_find(key: str) -> Theme | None:
    return themes_counted().filter(code__iexact=key).first()


def named_page(qs: QuerySet, *, sort: str, name_field: str, offset: int, limit: int | None) -> list:
    """A CKAN list of organizations or groups: sorted by name or title (alphabetically), or by package_count (most
    first), then paged."""
    orders = {"name": name_field, "title": name_field, "package_count": "-package_count"}
    order = orders.get((sort or "title asc").split()[0], name_field)
    qs = qs.order_by(order, name_field)
    return list(qs[offset: offset + limit] if limit is not None else qs[offset:])


def datasets_of_institution(institution: Institution) -> QuerySet:
    return published().filter(publisher=institution).order_by("name")


def datasets_of_theme(theme: Theme) -> QuerySet:
    return published().filter(themes=theme).order_by("name")


def tags_published(query: str = "") -> QuerySet[Tag]:
    """Keywords of published datasets, alphabetically; `query` keeps those containing it."""
    qs = Tag.objects.filter(datasets__state=Dataset.State.PUBLISHED).distinct().order_by("name")
    return qs.filter(name__icontains=query) if query else qs


def licenses() -> QuerySet[License]:
    return License.objects.order_by("title")


def theme_uris() -> dict[str, str]:
    """Theme codes by their authority URI (for reading DCAT)."""
    return dict(Theme.objects.exclude(uri="").values_list("uri", "code"))


def license_uris() -> dict[str, str]:
    """Licence ids by their URL and by their EU vocabulary URI (for reading DCAT)."""
    return {**dict(License.objects.exclude(url="").values_list("url", "pk")),
            **dict(License.objects.exclude(eu_uri="").values_list("eu_uri", "pk"))}


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


def data_request_get(pk: Any) -> DataRequest:
    """One data request with what its page shows; raises DataRequest.DoesNotExist."""
    return data_requests().get(pk=pk)


def data_request_supported(request: DataRequest, user: User | AnonymousUser) -> bool:
    """Whether `user` supports the request (never, for an anonymous visitor)."""
    if not user.is_authenticated:
        return False
    return request.supports.filter(user_id=user.pk).exists()


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


# --- API keys ------------------------------------------------------------------------------------------------------

def api_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's own keys, newest first."""
    return ApiToken.objects.filter(user=user)


def api_token_of(user: User, pk: Any) -> ApiToken:
    """One of the user's keys; raises ApiToken.DoesNotExist (also for someone else's)."""
    return ApiToken.objects.get(pk=pk, user=user)


# --- harvest sources -----------------------------------------------------------------------------------------------

def harvest_sources() -> list[tuple[HarvestSource, HarvestRun | None]]:
    """Every harvest source with its latest run (None before the first), by address."""
    sources = HarvestSource.objects.select_related("institution").prefetch_related(
        Prefetch("runs", queryset=HarvestRun.objects.order_by("-started")[:1], to_attr="latest"))
    return [(source, source.latest[0] if source.latest else None) for source in sources]


def harvest_source_get(pk: Any) -> HarvestSource:
    """Raises HarvestSource.DoesNotExist."""
    return HarvestSource.objects.select_related("institution").get(pk=pk)


def harvest_runs(source: HarvestSource) -> QuerySet[HarvestRun]:
    """The source's latest HARVEST_RUNS_SHOWN runs, newest first."""
    return source.runs.select_related("source").order_by("-started")[:HARVEST_RUNS_SHOWN]


def harvest_sources_due(now: dt.datetime) -> list[HarvestSource]:
    """The enabled sources whose interval has passed since their last run."""
    return [source for source in HarvestSource.objects.select_related("institution") if source.is_due(now)]


def last_good_run(source: HarvestSource, *, excluding: HarvestRun | None = None) -> HarvestRun | None:
    """The source's latest run that ended without an error (incremental harvests ask for what changed since)."""
    runs = source.runs.filter(finished__isnull=False, error="").order_by("-started")
    if excluding is not None:
        runs = runs.exclude(pk=excluding.pk)
    return runs.first()
