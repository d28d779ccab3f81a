"""The catalog's JSON router (/api/v1/catalog): datasets with search and filters, one dataset, data requests.
The CKAN Action API (/api/3/action) stays the interface for existing CKAN clients; this one is typed and in the
OpenAPI document."""

from __future__ import annotations

from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from . import selectors
from .models import DataRequest, Dataset
from .schemas import DataRequestOut, DatasetDetailOut, DatasetOut
from .search import QuerySyntaxError

router = Router(tags=["catalog"])
FILTERS = ["organization", "groups", "tags", "res_format", "license_id", "department"]


@router.get("/datasets", response=list[DatasetOut], summary="Search published datasets")
@paginate
def list_datasets(request, q: str = "", fq: str = "", organization: str = "", groups: str = "", tags: str = "",
                  res_format: str = "", license_id: str = "", department: str = "",
                  sort: str = "score desc, metadata_modified desc"):
    """`q`: words (accent-insensitive, ranked) or a Solr query; `fq`: a Solr filter as in CKAN's package_search;
    the other parameters filter by one value each. A query that cannot be read answers 400 with the reason."""
    chosen = {"organization": organization, "groups": groups, "tags": tags, "res_format": res_format,
              "license_id": license_id, "department": department}
    try:
        qs = selectors.datasets_find(q=q, fq=fq, sort=sort, filters={f: [v] for f, v in chosen.items() if v})
        return selectors.with_details(qs)
    except QuerySyntaxError as error:
        raise HttpError(400, str(error)) from None


@router.get("/datasets/{name}", response=DatasetDetailOut, summary="Get one published dataset, by name or id")
def get_dataset(request, name: str):
    try:
        return selectors.dataset_get(name_or_id=name)
    except Dataset.DoesNotExist:
        raise HttpError(404, f"no published dataset {name}") from None


@router.get("/data-requests", response=list[DataRequestOut], summary="List data requests and their answers")
@paginate
def list_data_requests(request, status: str = "", institution: str = ""):
    if status and status not in DataRequest.Status.values:
        raise HttpError(400, f"status is one of {', '.join(DataRequest.Status.values)}")
    return selectors.data_requests(status=status, institution=institution)
