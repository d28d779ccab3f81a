"""The datastore's permission matrix: `datastore.change_table` (decided by the catalog, whose resource the table is)
against every role, through each service that checks it — schema edits, publishing or discarding a held upload,
queueing a file — with the table as the object, refusals audited; a sample through HTTP; and the system (the
command line) acting with `system=True`. Reading a table is the catalog's answer to the datastore's access registry
(catalog.view_dataset), checked here too."""

import pytest
import rules
from django.core.exceptions import PermissionDenied

from apertura.datastore import access
from apertura.datastore.models import DatastoreTable
from apertura.datastore.services import (
    NothingHeld, datastore_held_discard, datastore_held_publish, datastore_ingest, datastore_ingest_queue,
    datastore_schema_update,
)
from tests.catalog.roles import PUBLISHER, ROLES, check, make_people, refusals

pytestmark = pytest.mark.django_db
PERM = "datastore.change_table"
CSV = "codigo,nombre\n0101,Guatemala\n0108,Mixco\n"


@pytest.fixture(autouse=True)
def _registers(db):
    from apertura.catalog.registers import seed

    seed()


@pytest.fixture
def people(make_user, institutions):
    return make_people(make_user, institutions)


@pytest.fixture
def tables(admin, institutions, write):
    """INE's tables: one of a published dataset, one of a draft."""
    from apertura.catalog.services import dataset_create, resource_add

    made = {}
    for state in ("published", "draft"):
        dataset = dataset_create(by=admin, publisher=institutions["INE"], name=f"municipios-{state}",
                                 title="Municipios", description="D.", license="CC-BY-4.0", state=state)
        resource = resource_add(dataset=dataset, by=admin, url="https://ine.gob.gt/municipios.csv")
        assert datastore_ingest(key=str(resource.pk), source_path=write(f"{state}.csv", CSV)).ok
        made[state] = DatastoreTable.objects.get(resource_key=str(resource.pk))
    return made


def test_the_rule_with_the_table_or_its_resource(people, tables):
    from apertura.catalog.models import Resource

    table = tables["published"]
    resource = Resource.objects.get(pk=table.resource_key)
    for obj in (table, resource):
        assert {role for role in ROLES if rules.has_perm(PERM, people[role], obj)} == PUBLISHER
    stray = DatastoreTable(resource_key="made-on-the-command-line")  # no resource: only administrators
    assert {role for role in ROLES if rules.has_perm(PERM, people[role], stray)} == {"administrator"}


def test_who_reads_a_table(people, tables):
    published, draft = (t.resource_key for t in (tables["published"], tables["draft"]))
    assert {role for role in ROLES if access.table_visible(published, people[role])} == set(ROLES)
    assert {role for role in ROLES if access.table_visible(draft, people[role])} == PUBLISHER


def _calls(key, by, write):
    return {
        "datastore_schema_update": (lambda: datastore_schema_update(
            key=key, schema={"fields": [{"name": "nombre", "title": "Nombre del municipio"}]}, by=by), ()),
        "datastore_held_publish": (lambda: datastore_held_publish(key=key, by=by), NothingHeld),
        "datastore_held_discard": (lambda: datastore_held_discard(key=key, by=by), NothingHeld),
        "datastore_ingest_queue": (lambda: datastore_ingest_queue(key=key, source_path=write("nuevo.csv", CSV),
                                                                  source_name="nuevo.csv", by=by), ()),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", ["datastore_schema_update", "datastore_held_publish", "datastore_held_discard",
                                     "datastore_ingest_queue"])
def test_the_services_enforce_it_and_audit_refusals(people, tables, write, service, role):
    table = tables["published"]
    call, expected = _calls(table.resource_key, people[role], write)[service]
    check(call, PERM, role in PUBLISHER, expected=expected)
    if role not in PUBLISHER:
        from apertura.audit.models import AuditEvent

        event = AuditEvent.objects.filter(action="permission.refused").latest("pk")
        assert event.object_type == "datastore.datastoretable" and event.object_id == str(table.pk)


def test_a_refused_schema_edit_changes_nothing(people, tables):
    table = tables["published"]
    with pytest.raises(PermissionDenied):
        datastore_schema_update(key=table.resource_key, by=people["other_editor"],
                                schema={"fields": [{"name": "nombre", "title": "Robado"}]})
    assert "title" not in DatastoreTable.objects.get(pk=table.pk).schema["fields"][1]


def test_the_command_line_acts_as_the_system(write):
    from django.core.management import call_command

    with pytest.raises(PermissionDenied):  # nobody in particular is refused, and audited
        datastore_ingest_queue(key="cli-table", source_path=write("a.csv", CSV))
    assert refusals(PERM) == 1 and not DatastoreTable.objects.filter(resource_key="cli-table").exists()
    datastore_ingest_queue(key="cli-table", source_path=write("a.csv", CSV), system=True)
    assert DatastoreTable.objects.get(resource_key="cli-table").current.row_count == 2
    with pytest.raises(Exception, match="nothing|No upload"):  # confirm runs as the system: past the check
        call_command("datastore", "confirm", "cli-table")
    assert refusals(PERM) == 1
    with pytest.raises(TypeError):
        datastore_held_publish(key="cli-table", by=object(), system=True)


@pytest.mark.parametrize("role, status", [("anonymous", 403), ("participant", 403), ("other_editor", 403),
                                          ("monitor", 403), ("editor", 302), ("administrator", 302)])
def test_editing_the_schema_through_the_page(people, tables, signed_in, client, role, status):
    from apertura.catalog.models import Resource

    table = tables["published"]
    resource = Resource.objects.select_related("dataset").get(pk=table.resource_key)
    browser = client if role == "anonymous" else signed_in(people[role])
    url = f"/datasets/{resource.dataset.name}/resources/{resource.pk}/schema/"
    response = browser.post(url, {"title-1": "Municipio"})
    assert response.status_code == status
    assert refusals(PERM) == (status == 403)
    edited = DatastoreTable.objects.get(pk=table.pk).schema["fields"][1].get("title")
    assert edited == ("Municipio" if status == 302 else None)
