"""Every write of the explore app, each in one transaction with its audit event."""

from django.db import transaction

from apertura.audit.services import audit_record

from .models import SavedChart


def saved_chart_create(*, by, name: str, resource_key: str, params: dict) -> SavedChart:
    with transaction.atomic():
        chart = SavedChart.objects.create(name=name.strip(), resource_key=resource_key, params=params,
                                          created_by=by)
        audit_record(action="explore.chart_save", obj_type="explore.savedchart", obj_id=str(chart.pk), actor=by,
                     summary=f"Chart “{chart.name}” of table {resource_key} saved", data={"params": params})
    return chart


def saved_chart_delete(*, chart: SavedChart, by) -> None:
    with transaction.atomic():
        audit_record(action="explore.chart_delete", obj_type="explore.savedchart", obj_id=str(chart.pk), actor=by,
                     summary=f"Chart “{chart.name}” of table {chart.resource_key} removed")
        chart.delete()
