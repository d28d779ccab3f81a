"""The catalog's permission matrix: every permission against every role, as the rule answers it, as each service
that checks it enforces it (a refusal audited), and a sample through HTTP. The system (commands, the timer, the
harvester) acts with `by=None, system=True`; `by=None` alone is nobody and is refused."""

import datetime as dt

import pytest
import rules
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apertura.audit.models import AuditEvent
from apertura.catalog import services
from apertura.catalog.models import Dataset, DataRequest, HarvestSource

from .roles import ADMINISTRATOR, CONTRIBUTORS, EDITORS, PUBLISHER, ROLES, SIGNED_IN, check, make_people, refusals

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, institutions):
    return make_people(make_user, institutions)


@pytest.fixture
def world(people, institutions, admin, make_user, settings, tmp_path):
    """What the permissions are asked about, all of INE's: a published dataset with an uploaded file, a draft, a data
    request to INE, the editor's API key and a harvest source."""
    from apertura.datastore.models import DatastoreTable

    settings.MEDIA_ROOT = str(tmp_path)
    ine = institutions["INE"]
    published = services.dataset_create(by=admin, publisher=ine, name="publicado", title="Publicado",
                                        description="D.", license="CC-BY-4.0", state="published")
    draft = services.dataset_create(by=admin, publisher=ine, name="borrador", title="Borrador", description="D.",
                                    license="CC-BY-4.0", state="draft")
    upload = services.resource_add(dataset=published, by=admin, upload=SimpleUploadedFile("notas.txt", b"hola\n"))
    request = services.data_request_create(by=make_user(), institution=ine, title="Pedido", description="Por favor.")
    token, _key = services.api_token_create(by=people["editor"], name="script")
    source = services.harvest_source_save(by=admin, url="https://datos.example.gt", kind="ckan")
    return {"INE": ine, "published": published, "draft": draft, "upload": upload, "request": request,
            "token": token, "source": source, "table": DatastoreTable(resource_key=str(upload.pk))}


# (permission, the object it is asked about, who holds it)
MATRIX = [
    ("catalog.publish_for", "INE", PUBLISHER),
    ("catalog.publish", None, EDITORS),
    ("catalog.change_dataset", "published", PUBLISHER),
    ("catalog.view_dataset", "published", set(ROLES)),
    ("catalog.view_dataset", "draft", PUBLISHER),
    ("catalog.request_data", None, CONTRIBUTORS),
    ("catalog.answer_request", "request", PUBLISHER),
    ("catalog.publish_self", None, ADMINISTRATOR),
    ("catalog.mark_priority", "request", ADMINISTRATOR),
    ("catalog.manage_harvest", "source", ADMINISTRATOR),
    ("catalog.revoke_token", "token", {"editor", "administrator"}),  # the editor owns it
    ("datastore.change_table", "upload", PUBLISHER),  # decided by the catalog: the resource's publisher
    ("datastore.change_table", "table", PUBLISHER),  # the same, asked with the table
]


@pytest.mark.parametrize("perm, obj, holders", MATRIX, ids=[f"{p}-{o}" for p, o, _h in MATRIX])
def test_the_rules(people, world, perm, obj, holders):
    got = {role for role in ROLES if rules.has_perm(perm, people[role], world[obj] if obj else None)}
    assert got == holders


def _gae():
    from apertura.institutions.models import Institution

    return Institution.objects.create(acronym="GAE", slug="gae", name_es="Comisión de Gobierno Abierto",
                                      name_en="Open Government Commission", kind="public_entity")


# Each service that checks a permission, called as `role`: (permission, who holds it, the call, what an allowed call
# may still refuse).
def _calls(world, by, role, monkeypatch):
    from apertura.catalog import tasks

    monkeypatch.setattr(tasks, "harvest_source", type("Queue", (), {"enqueue": staticmethod(lambda pk: None)}))
    ine, published = world["INE"], world["published"]
    upsert = {"publisher": ine, "name": f"cosechado-{role}", "source": "https://otro.example", "remote_id": role,
              "remote_modified": "2026-01-01", "title": "Cosechado", "description": "D.", "license": "CC0-1.0"}
    return {
        "dataset_create": ("catalog.publish_for", PUBLISHER, lambda: services.dataset_create(
            by=by, publisher=ine, name=f"nuevo-{role}", title="Nuevo", description="D.", license="CC0-1.0"), ()),
        "dataset_upsert": ("catalog.publish_for", PUBLISHER, lambda: services.dataset_upsert(by=by, **upsert), ()),
        "dataset_update": ("catalog.change_dataset", PUBLISHER, lambda: services.dataset_update(
            dataset=published, by=by, title="Cambiado"), ()),
        "resource_add": ("catalog.change_dataset", PUBLISHER, lambda: services.resource_add(
            dataset=published, by=by, url="https://ine.gob.gt/x.csv"), ()),
        "resource_replace_file": ("catalog.change_dataset", PUBLISHER, lambda: services.resource_replace_file(
            resource=world["upload"], by=by, upload=SimpleUploadedFile("nuevo.txt", b"adios\n")), ()),
        "api_token_create": ("catalog.publish", EDITORS, lambda: services.api_token_create(by=by, name="k"), ()),
        "api_token_revoke": ("catalog.revoke_token", {"editor", "administrator"},
                             lambda: services.api_token_revoke(token=world["token"], by=by), ()),
        "data_request_create": ("catalog.request_data", CONTRIBUTORS, lambda: services.data_request_create(
            by=by, institution=ine, title=f"Datos {role}", description="Para un estudio."), ()),
        "data_request_support": ("catalog.request_data", CONTRIBUTORS,
                                 lambda: services.data_request_support(request=world["request"], by=by), ()),
        "data_request_answer": ("catalog.answer_request", PUBLISHER, lambda: services.data_request_answer(
            request=world["request"], by=by, status="planned", planned_for=dt.date(2030, 1, 1)), ()),
        "data_request_mark_priority": ("catalog.mark_priority", ADMINISTRATOR,
                                       lambda: services.data_request_mark_priority(request=world["request"], by=by,
                                                                                   priority=True), ()),
        "catalog_publish_self": ("catalog.publish_self", ADMINISTRATOR, lambda: services.catalog_publish_self(
            by=by, site_url="https://gobiernoabierto.gt"), ValidationError),  # no Commission (GAE) here
        "harvest_source_save": ("catalog.manage_harvest", ADMINISTRATOR, lambda: services.harvest_source_save(
            by=by, url=f"https://{role}.example", kind="dcat"), ()),
        "harvest_source_queue": ("catalog.manage_harvest", ADMINISTRATOR,
                                 lambda: services.harvest_source_queue(source=world["source"], by=by), ()),
        "harvest_run_start": ("catalog.manage_harvest", ADMINISTRATOR,
                              lambda: services.harvest_run_start(source=world["source"], by=by), ()),
    }


SERVICES = ["dataset_create", "dataset_upsert", "dataset_update", "resource_add", "resource_replace_file",
            "api_token_create", "api_token_revoke", "data_request_create", "data_request_support",
            "data_request_answer", "data_request_mark_priority", "catalog_publish_self", "harvest_source_save",
            "harvest_source_queue", "harvest_run_start"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", SERVICES)
def test_the_services_enforce_them_and_audit_refusals(people, world, monkeypatch, service, role):
    perm, holders, call, expected = _calls(world, people[role], role, monkeypatch)[service]
    check(call, perm, role in holders, expected=expected)


def test_an_allowed_call_writes_and_a_refused_one_changes_nothing(people, world):
    before = Dataset.objects.get(pk=world["published"].pk).title
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied, checked in the matrix
        services.dataset_update(dataset=world["published"], by=people["other_editor"], title="Robado")
    assert Dataset.objects.get(pk=world["published"].pk).title == before
    event = AuditEvent.objects.filter(action="permission.refused").latest("pk")
    assert event.actor == people["other_editor"] and event.object_type == "catalog.dataset"
    assert event.object_id == str(world["published"].pk) and event.data == {"permission": "catalog.change_dataset"}


# --- the system ---------------------------------------------------------------------------------------------------

def test_the_system_acts_only_when_it_says_so(world):
    _gae()
    with pytest.raises(Exception, match="administrators"):  # nobody in particular: refused, and audited
        services.catalog_publish_self(site_url="https://gobiernoabierto.gt")
    assert refusals("catalog.publish_self") == 1
    datasets = services.catalog_publish_self(site_url="https://gobiernoabierto.gt", system=True)
    event = AuditEvent.objects.filter(action="dataset.publish_self").latest("pk")
    assert datasets and event.actor is None and event.actor_label == services.SELF_PUBLISHER
    with pytest.raises(TypeError):  # a person is never "the system"
        services.catalog_publish_self(by=world["token"].user, site_url="https://x.example", system=True)


def test_the_harvester_writes_through_the_upsert_as_the_system(world):
    from apertura.catalog.harvest import ACTOR

    dataset, outcome = services.dataset_upsert(
        by=None, system=True, actor_label=ACTOR, publisher=world["INE"], name="de-otro-portal",
        source="https://otro.example", remote_id="1", remote_modified="2026-01-01", title="T", description="D.",
        license="CC0-1.0", resources=[{"url": "https://otro.example/a.csv", "title": "", "format": "csv"}])
    assert outcome == "created" and dataset.resources.get().format == "CSV"
    event = AuditEvent.objects.get(action="dataset.harvest")
    assert event.actor is None and event.actor_label == ACTOR
    with pytest.raises(Exception):  # noqa: B017 - without system=True, by=None is refused
        services.dataset_upsert(by=None, publisher=world["INE"], name="otro", source="s", remote_id="2",
                                remote_modified="x", title="T", description="D.", license="CC0-1.0")
    assert refusals("catalog.publish_for") == 1


# --- through HTTP ---------------------------------------------------------------------------------------------------

@pytest.fixture
def browser(people, signed_in, client):
    return lambda role: client if role == "anonymous" else signed_in(people[role])


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("participant", 403), ("other_editor", 403),
                                          ("editor", 302), ("administrator", 302)])
def test_editing_a_dataset_through_the_page(world, browser, role, status):
    before = refusals("catalog.change_dataset")
    response = browser(role).post("/datasets/publicado/edit/", {
        "publisher": world["INE"].pk, "name": "publicado", "title": "Por la página", "description": "D.",
        "license": "CC-BY-4.0",
        "frequency": "ANNUAL", "state": "published"})
    assert response.status_code == status
    if role == "anonymous":
        assert "/accounts/" in response["Location"] or "login" in response["Location"]
    assert refusals("catalog.change_dataset") == before + (status == 403)
    assert (Dataset.objects.get(name="publicado").title == "Por la página") == (status == 302 and role != "anonymous")


@pytest.mark.parametrize("role", sorted(SIGNED_IN))
def test_requesting_data_through_the_page(world, browser, role):
    page = browser(role).get("/data-requests/new/")
    allowed = role in CONTRIBUTORS
    assert page.status_code == (200 if allowed else 403)
    response = browser(role).post("/data-requests/new/", {"institution": world["INE"].pk, "title": "Por la página",
                                                          "description": "Para un estudio."})
    assert response.status_code == (302 if allowed else 403)
    assert DataRequest.objects.filter(title="Por la página").exists() == allowed
    assert refusals("catalog.request_data") == (0 if allowed else 1)


@pytest.mark.parametrize("role, status", [("participant", 403), ("monitor", 403), ("administrator", 302)])
def test_harvest_now_through_the_page(world, browser, monkeypatch, role, status):
    from apertura.catalog import tasks

    monkeypatch.setattr(tasks, "harvest_source", type("Queue", (), {"enqueue": staticmethod(lambda pk: None)}))
    response = browser(role).post(f"/manage/harvest/{world['source'].pk}/run/")
    assert response.status_code == status
    assert refusals("catalog.manage_harvest") == (status == 403)
    assert HarvestSource.objects.count() == 1


@pytest.mark.parametrize("role", ["participant", "editor", "monitor"])
def test_a_form_sent_by_someone_who_may_not_is_refused_before_it_is_read(world, browser, role):
    """Even an invalid form: the page it would show again (with every source) is not shown."""
    for url in ("/manage/harvest/", f"/manage/harvest/{world['source'].pk}/"):
        response = browser(role).post(url, {"url": "not an address"})
        assert response.status_code == 403 and "datos.example.gt" not in response.content.decode()
    assert refusals("catalog.manage_harvest") == 2
    other = browser("other_editor").post("/datasets/publicado/edit/", {"title": ""})
    assert other.status_code == 403 and refusals("catalog.change_dataset") == 1
