"""Datasets, resources, institutions, themes and licenses as CKAN's Action API dicts (CKAN 2.11 field names), and the
way back: a CKAN package as the fields of the catalog's services.

The package mapping is one pair, used by every path: `package_dict(dataset)` is what package_show, package_search and
the other actions answer (and what a harvester elsewhere reads from us); `package_values(package)` is what
package_create and our own harvester (harvest.py) hand to the services — licence ids, extras, private/draft/state,
tags, groups as themes and resources mapped one way for both."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


# CKAN's default licence ids (ckan/model/license.py, lower-cased) → this register's; our own ids map to themselves.
LICENSES = {"cc-by": "CC-BY-4.0", "cc-by-4.0": "CC-BY-4.0", "cc-zero": "CC0-1.0", "cc0-1.0": "CC0-1.0",
            "odc-odbl": "ODbL-1.0", "odbl-1.0": "ODbL-1.0", "cc-by-sa": "CC-BY-SA-4.0", "cc-by-sa-4.0": "CC-BY-SA-4.0",
            "other-open": "other-open", "other-closed": "other-closed", "notspecified": "other-closed"}
UNKNOWN_LICENSE = "other-closed"
# Extras that carry a field of ours, as package_dict writes them.
EXTRAS = {"legal_basis": "legal_basis", "frequency": "frequency", "temporal_start": "temporal_start",
          "temporal_end": "temporal_end"}
# Our services' field names as CKAN calls them (for Validation Error bodies that name the field the client sent).
CKAN_FIELDS = {"description": "notes", "license": "license_id", "themes": "groups", "publisher": "owner_org",
               "contact_name": "maintainer", "contact_email": "maintainer_email"}
# What a lenient mapping cuts texts to: the fields' lengths (models.Dataset, models.Resource).
_LENGTHS = {"title": 300, "contact_name": 200, "legal_basis": 300}
_RESOURCE_LENGTHS = {"title": 300, "description": 5000, "format": 20}


def truthy(value: Any) -> bool:
    """A CKAN boolean, sent as JSON or as a form string."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes", "on"}


def _names(items: Any) -> list[str]:
    """Tag or group names, sent as CKAN's dicts ({"name": …}) or as plain strings."""
    if not isinstance(items, list):
        return []
    names = [item.get("name") if isinstance(item, dict) else item for item in items]
    return [str(name) for name in names if name]


def _extras(package: dict) -> dict[str, Any]:
    extras = package.get("extras")
    if not isinstance(extras, list):
        return {}
    return {e.get("key"): e.get("value") for e in extras if isinstance(e, dict) and e.get("key")}


def license_id(value: Any) -> str:
    """Our licence for a CKAN licence id (CKAN's defaults are mapped; others pass as sent; none is "other-closed")."""
    raw = str(value or "").strip()
    return LICENSES.get(raw.lower(), raw) or UNKNOWN_LICENSE


def package_state(package: dict) -> str:
    """private → "private"; state "draft" → "draft"; anything else is published."""
    if truthy(package.get("private", False)):
        return Dataset.State.PRIVATE
    return Dataset.State.DRAFT if package.get("state") == "draft" else Dataset.State.PUBLISHED


def package_values(package: dict, *, lenient: bool = False) -> dict[str, Any]:
    """A CKAN package as our dataset services' fields (dataset_create's and dataset_upsert's), with "resources": a
    list of {url, title, description, format} for link resources.

    Strict (package_create) passes on what it cannot map for the service to refuse, naming the field: an unknown
    licence or group, a text longer than its field. `lenient` (a package harvested from another portal, kept as far
    as it can be) gives an unknown licence as "other-closed", drops groups that are not themes here and cuts texts
    to their fields' lengths."""
    extras = _extras(package)
    name = str(package.get("name") or "")
    values: dict[str, Any] = {
        "name": name,
        "title": str(package.get("title") or name),
        "description": str(package.get("notes") or package.get("title") or name),
        "license": license_id(package.get("license_id")),
        "state": package_state(package),
        "tags": _names(package.get("tags")),
        "themes": _names(package.get("groups")),
        "contact_name": str(package.get("maintainer") or ""),
        "contact_email": str(package.get("maintainer_email") or ""),
        "spatial": str(extras.get("spatial_ine") or "").split(),
        "legal_basis": str(extras.get("legal_basis") or ""),
        **{field: str(extras[key]) for key, field in EXTRAS.items() if key != "legal_basis" and extras.get(key)},
    }
    items = package.get("resources")
    resources = [{"url": str(item.get("url") or ""), "title": str(item.get("name") or ""),
                  "description": str(item.get("description") or ""), "format": str(item.get("format") or "")}
                 for item in (items if isinstance(items, list) else []) if isinstance(item, dict)]
    if lenient:
        if not License.objects.filter(pk=values["license"]).exists():
            values["license"] = UNKNOWN_LICENSE
        known = set(Theme.objects.filter(code__in=values["themes"]).values_list("code", flat=True))
        values["themes"] = [code for code in values["themes"] if code in known]
        values.update({field: values[field][:length] for field, length in _LENGTHS.items()})
        resources = [{**item, **{key: item[key][:length] for key, length in _RESOURCE_LENGTHS.items()}}
                     for item in resources]
    values["resources"] = resources
    return values
