"""Every write of the explore app, each in one transaction with its audit event, after its permission is checked
with `require` (a refusal is audited: apertura/accounts/permissions.py)."""

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record

from .models import SavedChart

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from apertura.catalog.models import Resource


def saved_chart_create_check(*, by: "User", resource: "Resource") -> None:
    """Refuse (and audit) saving a chart of `resource` for someone who may not, before anything is read."""
    require("explore.save_chart", by=by, obj=resource,
            why=_("Only institution editors and administrators save charts."))


def saved_chart_create(*, by: "User", name: str, resource: "Resource",
                       params: dict[str, Any]) -> SavedChart:
    """Keep a chart of `resource`'s table under a stable public address: for editors and administrators, of a table
    they may see."""
    saved_chart_create_check(by=by, resource=resource)
    with transaction.atomic():
        chart = SavedChart.objects.create(name=name.strip(), resource_key=str(resource.pk), params=params,
                                          created_by=by)
        audit_record(action="explore.chart_save", obj_type="explore.savedchart", obj_id=str(chart.pk), actor=by,
                     summary=f"Chart “{chart.name}” of table {chart.resource_key} saved", data={"params": params})
    return chart


def saved_chart_delete(*, chart: SavedChart, by: "User") -> None:
    """Remove a saved chart: whoever saved it (still an editor), or an administrator."""
    require("explore.delete_chart", by=by, obj=chart,
            why=_("Only whoever saved this chart, or an administrator, removes it."))
    with transaction.atomic():
        audit_record(action="explore.chart_delete", obj_type="explore.savedchart", obj_id=str(chart.pk), actor=by,
                     summary=f"Chart “{chart.name}” of table {chart.resource_key} removed")
        chart.delete()
