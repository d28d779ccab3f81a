"""Background work of the catalog: scheduled harvests and refreshing the platform's own datasets."""

from django.conf import settings
from django_tasks import task


@task()
def harvest_due() -> list[str]:
    """Run the harvest sources that are due; returns each run's one-line report."""
    from .harvest import harvest_run_due

    return [run.summary for run in harvest_run_due()]


@task()
def harvest_source(source_id: int) -> str:
    """Run one source now (the administrator's «run now»)."""
    from .harvest import harvest_source_run
    from .selectors import harvest_source_get

    return harvest_source_run(source=harvest_source_get(source_id)).summary


@task()
def refresh_self_published() -> bool:
    """Republish the plans and data requests as datasets if anything they show changed since."""
    from .services import catalog_publish_self_if_changed

    return catalog_publish_self_if_changed(site_url=settings.SITE_URL)

