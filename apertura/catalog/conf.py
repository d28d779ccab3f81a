"""Catalog settings (APERTURA_CATALOG_MAX_MB, APERTURA_HARVEST_RUN_SECONDS), parsed from the environment at start-up
(apertura/settings/registry.py)."""

from django.conf import settings


def max_upload_bytes() -> int:
    """The largest resource file accepted: 2 GB unless configured (CKAN's default is 10 MB)."""
    return int(settings.APERTURA_CATALOG_MAX_MB * 1024 * 1024)


def harvest_run_seconds() -> float:
    """How long one harvest run may take in all, every request included: 30 minutes unless configured."""
    return float(settings.APERTURA_HARVEST_RUN_SECONDS)
