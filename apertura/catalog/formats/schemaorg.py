"""A dataset as schema.org `Dataset` JSON-LD, for dataset search engines."""

from __future__ import annotations

from apertura.geo import regions as geography
from ..models import Dataset


def dataset_jsonld(dataset: Dataset, base_url: str) -> dict:
    data = {
        "@context": "https://schema.org/", "@type": "Dataset", "@id": base_url + dataset.get_absolute_url(),
        "name": dataset.title, "description": dataset.description, "url": base_url + dataset.get_absolute_url(),
        "identifier": str(dataset.pk), "keywords": [tag.name for tag in dataset.tags.all()],
        "isAccessibleForFree": True, "dateCreated": dataset.created.isoformat(),
        "dateModified": dataset.modified.isoformat(),
        "creator": {"@type": "Organization", "name": dataset.publisher.name_es,
                    "alternateName": dataset.publisher.acronym},
        "publisher": {"@type": "Organization", "name": dataset.publisher.name_es},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "Apertura", "url": base_url + "/datasets/"},
        "distribution": [{"@type": "DataDownload", "name": r.title, "encodingFormat": r.media_type or r.format,
                          "contentUrl": base_url + r.download_path() if r.file else r.url}
                         for r in dataset.resources.all()],
    }
    if dataset.license.url:
        data["license"] = dataset.license.url
    if dataset.temporal_from or dataset.temporal_to:
        start = dataset.temporal_from.isoformat() if dataset.temporal_from else ".."
        end = dataset.temporal_to.isoformat() if dataset.temporal_to else ".."
        data["temporalCoverage"] = f"{start}/{end}"
    if dataset.spatial:
        data["spatialCoverage"] = [{"@type": "Place", "name": geography.label(code),
                                    "identifier": f"INE:{code}"} for code in dataset.spatial]
    if dataset.contact_email or dataset.contact_name:
        data["creator"]["contactPoint"] = {"@type": "ContactPoint", "name": dataset.contact_name,
                                           "email": dataset.contact_email, "contactType": "data"}
    return data
