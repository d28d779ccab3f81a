"""One schema per catalog record: what /api/v1/catalog answers, what each page's `?format=json` twin shows and where
its `?format=csv` columns come from (apertura/common/records.py). The CKAN Action API keeps CKAN's own dicts
(formats/ckan.py): they follow CKAN, not these.

Addresses (`url`) are paths on this site, as the API has always given them; a file's `url` is its download path."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Schema


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
    formats: list[str]
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
    def resolve_formats(obj) -> list[str]:
        """The formats of its resources, each once, alphabetically."""
        return sorted({resource.format for resource in obj.resources.all() if resource.format})

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
    """`supports` is counted by selectors.data_requests (its `support_count`)."""

    id: int
    institution: str
    title: str
    description: str
    status: str
    supports: int
    priority: bool
    created: dt.datetime
    answered_at: dt.datetime | None
    days_to_answer: int | None
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


class SupplyDemandOut(Schema):
    """One institution's row of selectors.supply_and_demand: datasets published beside the requests received."""

    institution: str
    datasets: int
    requests: int
    open: int
    planned: int
    published: int
    refused: int
    supports: int
    priorities: int
    median_days: int | float | None

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj["institution"].acronym


class HarvestSkipOut(Schema):
    name: str
    why: str


class HarvestRunOut(Schema):
    id: int
    source: str
    started: dt.datetime
    finished: dt.datetime | None
    created: int
    updated: int
    unchanged: int
    skipped: list[HarvestSkipOut]
    error: str

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source.url

    @staticmethod
    def resolve_skipped(obj) -> list[dict]:
        return [{"name": name, "why": why} for name, why in obj.skipped]


# The CSV twins' columns: paths into the records above (apertura/common/records.py), in this order.
DATASET_COLUMNS = ["name", "title", "publisher", "license_id", "tags", "themes", "formats", "modified", "url"]
RESOURCE_COLUMNS = ["id", "title", "format", "url", "media_type", "size", "sha256"]
# Also the data dictionary of the platform's own dataset of requests (dictionaries.py).
REQUEST_COLUMNS = ["id", "title", "institution", "status", "priority", "supports", "created", "answered_at",
                   "days_to_answer", "planned_for", "published_url", "answer"]
SUPPLY_DEMAND_COLUMNS = ["institution", "datasets", "requests", "open", "planned", "published", "refused",
                         "supports", "priorities", "median_days"]
