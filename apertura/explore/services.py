"""Every write of the explore app, each in one transaction with its audit event."""

from typing import TYPE_CHECKING, Any

from django.db import transaction

from apertura.audit.services import audit_record

from .models import SavedChart

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def saved_chart_create(*, by: "User", name: str, resource_key: str, params: dict[str, Any]) -> SavedChart:
    with transaction.atomic():
        chart = SavedChart.objects.create(name=name.strip(), resource_key=resource_key, params=params,
                                          created_by=by)
        audit_record(action="explore.chart_save", obj_type="explore.savedchart", obj_id=str(chart.pk), actor=by,
                     summary=f"Chart “{chart.name}” of table {resource_key} saved", data={"params": params})
    return chart


def saved_chart_delete(*, chart: SavedChart, by: "User") -> None:
    with transaction.atomic():
        audit_record(action="explore.chart_delete", obj_type="explore.savedchart", obj_id=str(chart.pk), actor=by,
                     summary=f"Chart “{chart.name}” of table {chart.resource_key} removed")
        chart.delete()
