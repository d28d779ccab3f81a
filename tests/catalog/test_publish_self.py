"""The platform publishes itself: each plan and the data requests become datasets of the Commission (GAE)."""

import pytest
from django.core.management import call_command
from django.test import Client

from apertura.audit.models import AuditEvent
from apertura.catalog.models import Dataset

pytestmark = pytest.mark.django_db


def test_publish_self_creates_and_refreshes_the_commissions_datasets(fifth_plan, capsys):
    call_command("catalog", "publish-self", "--site-url", "https://gobiernoabierto.gt")
    plan = Dataset.objects.get(name="plan-de-accion-2021-2023")
    assert plan.publisher.acronym == "GAE" and plan.state == "published" and plan.license_id == "CC-BY-4.0"
    assert plan.commitments.count() == 12 and str(plan.temporal_from) == fifth_plan.start.isoformat()
    urls = [r.url for r in plan.resources.all()]
    assert urls == ["https://gobiernoabierto.gt/plans/2021-2023/export.json",
                    "https://gobiernoabierto.gt/plans/2021-2023/export.xlsx",
                    "https://gobiernoabierto.gt/plans/2021-2023/?format=csv",
                    "https://gobiernoabierto.gt/plans/2021-2023/export.csv",
                    "https://gobiernoabierto.gt/plans/2021-2023/dashboard/?format=csv"]
    milestones = plan.resources.get(title="Hitos (CSV)")
    assert "| `responsible` |" in milestones.description  # the data dictionary
    assert "plan-de-accion-2021-2023: 5 resources" in capsys.readouterr().out
    call_command("catalog", "publish-self", "--site-url", "https://gobiernoabierto.gt")  # idempotent
    assert Dataset.objects.filter(publisher__acronym="GAE").count() == 2 and plan.resources.count() == 5
    assert AuditEvent.objects.filter(action="dataset.publish_self").count() == 4
    by_gae = Client().get("/api/3/action/package_search", {"fq": "organization:gae", "sort": "name asc"}).json()
    assert [d["name"] for d in by_gae["result"]["results"]] == ["plan-de-accion-2021-2023", "solicitudes-de-datos"]
    found = Client().get("/api/3/action/package_search", {"q": "gobierno abierto hitos"}).json()["result"]
    assert found["results"][0]["name"] == "plan-de-accion-2021-2023"



def test_self_published_datasets_refresh_after_writes_to_what_they_show(make_user, capsys):
    from apertura.catalog.services import data_request_create
    from apertura.catalog.tasks import refresh_self_published
    from apertura.institutions.models import Institution

    commission, _created = Institution.objects.get_or_create(acronym="GAE", defaults={
        "slug": "gae", "name_es": "Comisión de Gobierno Abierto", "name_en": "Open Government Commission",
        "kind": "public_entity"})
    call_command("catalog", "publish-self", "--if-changed")
    assert "republished" in capsys.readouterr().out
    first = Dataset.objects.get(name="solicitudes-de-datos").modified
    call_command("catalog", "publish-self", "--if-changed")
    assert "unchanged" in capsys.readouterr().out
    data_request_create(by=make_user(), institution=commission, title="Nacimientos",
                        description="Por municipio y mes.")
    assert refresh_self_published.enqueue().return_value is True
    assert Dataset.objects.get(name="solicitudes-de-datos").modified > first
    assert refresh_self_published.enqueue().return_value is False
