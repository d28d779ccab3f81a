"""The catalog's JSON router (/api/v1/catalog): datasets with search and filters, one dataset, data requests.
The CKAN Action API (/api/3/action) stays the interface for existing CKAN clients; this one is typed and in the
OpenAPI document."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from . import selectors
from .models import DataRequest, Dataset
from .search import QuerySyntaxError, field_filter

router = Router(tags=["catalog"])
FILTERS = ["organization", "groups", "tags", "res_format", "license_id", "department"]


class ResourceOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    format: str
    url: str
    media_type: str
    size: int | None
    sha256: str

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.url or obj.download_path()


class DatasetOut(Schema):
    id: uuid.UUID
    name: str
    title: str
    description: str
    publisher: str
    license_id: str
    license_open: bool
    themes: list[str]
    tags: list[str]
    spatial: list[str]
    temporal_start: str | None
    temporal_end: str | None
    frequency: str
    created: dt.datetime
    modified: dt.datetime
    url: str

    @staticmethod
    def resolve_publisher(obj) -> str:
        return obj.publisher.acronym

    @staticmethod
    def resolve_license_open(obj) -> bool:
        return obj.license.is_open

    @staticmethod
    def resolve_themes(obj) -> list[str]:
        return [theme.code for theme in obj.themes.all()]

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_temporal_start(obj) -> str | None:
        return obj.temporal_from.isoformat() if obj.temporal_from else None

    @staticmethod
    def resolve_temporal_end(obj) -> str | None:
        return obj.temporal_to.isoformat() if obj.temporal_to else None

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class DatasetDetailOut(DatasetOut):
    contact_name: str
    contact_email: str
    legal_basis: str
    commitments: list[str]
    resources: list[ResourceOut]

    @staticmethod
    def resolve_commitments(obj) -> list[str]:
        return [c.get_absolute_url() for c in obj.commitments.all()]

    @staticmethod
    def resolve_resources(obj):
        return list(obj.resources.all())


class DataRequestOut(Schema):
    id: int
    institution: str
    title: str
    description: str
    status: str
    supports: int
    priority: bool
    created: dt.datetime
    answered_at: dt.datetime | None
    answer: str
    planned_for: dt.date | None
    published_url: str
    dataset: str | None
    url: str

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj.institution.acronym

    @staticmethod
    def resolve_supports(obj) -> int:
        return obj.support_count

    @staticmethod
    def resolve_dataset(obj) -> str | None:
        return obj.dataset.name if obj.dataset else None

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


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
        qs = selectors.datasets_find(q=q, fq=fq, sort=sort)
        condition = Q()
        for field, value in chosen.items():
            if value:
                condition &= field_filter(field, value)
        return selectors.with_details(qs.filter(condition))
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
