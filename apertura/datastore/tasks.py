"""Background work: ingesting an uploaded file (progress shows on the table while it runs)."""

from django.contrib.auth import get_user_model
from django_tasks import task

from .services import datastore_ingest


@task()
def ingest(key: str, source_path: str, source_name: str = "", actor_id: int | None = None) -> dict:
    """Validate and load a file as the next version of the table `key`; returns the validation report."""
    by = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return datastore_ingest(key=key, source_path=source_path, source_name=source_name, by=by).report
