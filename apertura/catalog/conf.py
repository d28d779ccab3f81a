"""Catalog settings, from the environment (APERTURA_CATALOG_MAX_MB, APERTURA_HARVEST_RUN_SECONDS) unless the settings
module gives them."""

from django.conf import settings

from apertura.settings.env import env_int


def max_upload_bytes() -> int:
    """The largest resource file accepted: 2 GB unless configured (CKAN's default is 10 MB)."""
    configured = getattr(settings, "APERTURA_CATALOG_MAX_BYTES", None)
    return configured if configured is not None else env_int("APERTURA_CATALOG_MAX_MB", 2048) * 1024 * 1024


def harvest_run_seconds() -> float:
    """How long one harvest run may take in all, every request included: 30 minutes unless configured."""
    configured = getattr(settings, "APERTURA_HARVEST_RUN_SECONDS", None)
    return float(configured if configured is not None else env_int("APERTURA_HARVEST_RUN_SECONDS", 1800))
