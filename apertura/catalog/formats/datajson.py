"""The catalog as Project Open Data 1.1 (DCAT-US 1.1) `data.json`, the form data.gov-style harvesters read."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from apertura.geo import regions as geography
from ..models import Dataset

ACCRUAL = {"CONT": "R/PT1S", "DAILY": "R/P1D", "WEEKLY": "R/P1W", "MONTHLY": "R/P1M", "QUARTERLY": "R/P3M",
           "ANNUAL": "R/P1Y", "IRREG": "irregular"}
MEDIA = {"CSV": "text/csv", "JSON": "application/json", "PDF": "application/pdf", "ZIP": "application/zip",
         "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XML": "application/xml"}


def _distribution(resource, base: str) -> dict:
    data = {"@type": "dcat:Distribution", "title": resource.title}
    if resource.description:
        data["description"] = resource.description
    if resource.file:
        data["downloadURL"] = base + resource.download_path()
        data["mediaType"] = MEDIA.get(resource.format.upper()) or resource.media_type or "application/octet-stream"
    else:
        data["accessURL"] = resource.url
    if resource.format:
        data["format"] = resource.format
    return data


def dataset_entry(dataset: Dataset, base: str) -> dict:
    publisher = dataset.publisher
    keywords = [tag.name for tag in dataset.tags.all()] or [theme.label_es for theme in dataset.themes.all()] or [
        publisher.acronym]
    entry = {
        "@type": "dcat:Dataset", "title": dataset.title, "description": dataset.description, "keyword": keywords,
        "modified": dataset.modified.isoformat(), "issued": dataset.created.date().isoformat(),
        "publisher": {"@type": "org:Organization", "name": publisher.name_es},
        "contactPoint": {"@type": "vcard:Contact", "fn": dataset.contact_name or publisher.name_es},
        "identifier": base + dataset.get_absolute_url(), "accessLevel": "public",
        "landingPage": base + dataset.get_absolute_url(), "language": ["es"],
        "theme": [theme.label_es for theme in dataset.themes.all()],
        "distribution": [_distribution(r, base) for r in dataset.resources.all()],
    }
    if dataset.contact_email:
        entry["contactPoint"]["hasEmail"] = f"mailto:{dataset.contact_email}"
    if dataset.license.url:
        entry["license"] = dataset.license.url
    if dataset.spatial:
        entry["spatial"] = "; ".join(geography.label(code) for code in dataset.spatial)
    if dataset.temporal_from and dataset.temporal_to:
        entry["temporal"] = f"{dataset.temporal_from.date.isoformat()}/{dataset.temporal_to.last_day().isoformat()}"
    if dataset.frequency in ACCRUAL:
        entry["accrualPeriodicity"] = ACCRUAL[dataset.frequency]
    if not entry["theme"]:
        del entry["theme"]
    return entry


def catalog_data(datasets, base: str) -> dict:
    """The whole catalog as one dict (small catalogs, tests); `catalog_chunks` writes the same document."""
    return {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": f"{base}/data.json", "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "title": settings.SITE_NAME,
        "dataset": [dataset_entry(d, base) for d in datasets],
    }


def catalog_chunks(datasets, base: str):
    """The JSON text of `catalog_data`, one dataset at a time: a national catalog is served in constant memory.
    `datasets` should be an iterator (`.iterator(chunk_size=…)` keeps the prefetches per chunk)."""
    head = json.dumps(catalog_data([], base), cls=DjangoJSONEncoder, ensure_ascii=False)
    yield head[:-len("[]}")] + "["
    for number, dataset in enumerate(datasets):
        yield ("," if number else "") + json.dumps(dataset_entry(dataset, base), cls=DjangoJSONEncoder,
                                                   ensure_ascii=False)
    yield "]}"
