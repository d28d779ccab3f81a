"""Datasets, resources, institutions, themes and licenses as CKAN's Action API dicts (CKAN 2.11 field names)."""

from __future__ import annotations

import datetime as dt


from apertura.datastore.selectors import active_keys
from apertura.institutions.models import Institution

from ..models import Dataset, License, Resource, Theme


def ckan_time(moment) -> str | None:
    """ISO 8601 in UTC without a suffix, as CKAN writes metadata_created/modified."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


def organization_dict(institution: Institution, *, package_count: int | None = None) -> dict:
    data = {
        "id": str(institution.pk), "name": institution.slug, "title": institution.name_es,
        "display_name": institution.name_es, "type": "organization", "description": institution.name_en,
        "image_url": "", "image_display_url": "", "created": None, "is_organization": True,
        "approval_status": "approved", "state": "active", "acronym": institution.acronym,
    }
    if package_count is not None:
        data["package_count"] = package_count
    return data


def group_dict(theme: Theme, *, package_count: int | None = None) -> dict:
    data = {"id": theme.code, "name": theme.code, "title": theme.label_es, "display_name": theme.label_es,
            "description": theme.label_en, "image_display_url": "", "type": "group", "is_organization": False,
            "approval_status": "approved", "state": "active", "uri": theme.uri or None}
    if package_count is not None:
        data["package_count"] = package_count
    return data


def license_dict(lic: License) -> dict:
    return {"id": lic.pk, "title": lic.title, "url": lic.url, "status": "active", "maintainer": "",
            "family": "", "od_conformance": "approved" if lic.is_open else "not reviewed",
            "osd_conformance": "not reviewed", "domain_content": True, "domain_data": True,
            "domain_software": False, "is_generic": lic.pk.startswith("other"), "is_okd_compliant": lic.is_open}


def _datastore_active(resources) -> set[str]:
    """Ids of the resources with a queryable table; only uploads can have one, so links cost no query."""
    uploads = [r.pk for r in resources if r.file]
    return active_keys(uploads) if uploads else set()


def resource_dict(resource: Resource, dataset: Dataset, base_url: str, *, active: set[str] | None = None) -> dict:
    upload = bool(resource.file)
    if active is None:
        active = _datastore_active([resource])
    return {
        "id": str(resource.pk), "package_id": str(dataset.pk),
        "url": base_url + resource.download_path() if upload else resource.url,
        "name": resource.title, "description": resource.description, "format": resource.format,
        "mimetype": resource.media_type or None, "mimetype_inner": None, "size": resource.size,
        "hash": f"sha256:{resource.sha256}" if resource.sha256 else "", "position": resource.position,
        "state": "active", "resource_type": None, "url_type": "upload" if upload else None,
        "created": ckan_time(resource.created), "last_modified": ckan_time(resource.modified),
        "metadata_modified": ckan_time(resource.modified), "cache_url": None, "cache_last_updated": None,
        "datastore_active": str(resource.pk) in active,
    }


def package_dict(dataset: Dataset, base_url: str) -> dict:
    """`dataset` should come from selectors.with_details (no query per field)."""
    lic = dataset.license
    tags = list(dataset.tags.all())
    resources = list(dataset.resources.all())
    active = _datastore_active(resources)
    extras = {
        "legal_basis": dataset.legal_basis, "frequency": dataset.frequency,
        "spatial_ine": " ".join(dataset.spatial or []),
        "temporal_start": dataset.temporal_from.isoformat() if dataset.temporal_from else "",
        "temporal_end": dataset.temporal_to.isoformat() if dataset.temporal_to else "",
        "commitments": " ".join(f"{c.plan.slug}/{c.number}" for c in dataset.commitments.all()),
    }
    return {
        "id": str(dataset.pk), "name": dataset.name, "title": dataset.title, "type": "dataset", "state": "active",
        "private": dataset.state == Dataset.State.PRIVATE, "owner_org": str(dataset.publisher_id),
        "creator_user_id": None, "author": dataset.publisher.name_es, "author_email": None,
        "maintainer": dataset.contact_name or None, "maintainer_email": dataset.contact_email or None,
        "license_id": lic.pk, "license_title": lic.title, **({"license_url": lic.url} if lic.url else {}),
        "isopen": lic.is_open, "notes": dataset.description, "url": base_url + dataset.get_absolute_url(),
        "version": None, "metadata_created": ckan_time(dataset.created),
        "metadata_modified": ckan_time(dataset.modified), "num_resources": len(resources), "num_tags": len(tags),
        "organization": organization_dict(dataset.publisher),
        "groups": [group_dict(theme) for theme in dataset.themes.all()],
        "tags": [{"id": str(tag.pk), "name": tag.name, "display_name": tag.name, "state": "active",
                  "vocabulary_id": None} for tag in tags],
        "extras": [{"key": key, "value": value} for key, value in extras.items() if value],
        "resources": [resource_dict(resource, dataset, base_url, active=active) for resource in resources],
        "relationships_as_subject": [], "relationships_as_object": [],
    }
