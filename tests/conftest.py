import contextlib
import copy
import functools
import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "data" / "plans" / "gt-2021-2023.yaml"
SEED_TEXT = ROOT / "data" / "sources" / "guatemala-5th-ogp-action-plan-2021-2023.txt"
FIFTH_PLAN_SLUG = "2021-2023"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

MINIMAL_PLAN = {
    "format": "apertura-plan/1",
    "plan": {
        "slug": "2030-2032", "country": "GT", "number": 9, "title": "Test plan", "language": "en",
        "period_start": "2030-01", "period_end": "2032-08-31", "status": "draft",
        "themes": [{"code": "health", "title": "Health"}],
    },
    "institutions": [
        {"acronym": "MSPAS", "name_es": "Ministerio de Salud Pública y Asistencia Social",
         "name_en": "Ministry of Public Health and Social Assistance", "kind": "public_entity"},
        {"acronym": "CoST-GT", "name_es": "CoST Guatemala", "kind": "civil_society"},
    ],
    "commitments": [
        {
            "number": 1, "title": "Open health data", "start": "2030-01-10", "end": "2032-08-31", "lead": "MSPAS",
            "civil_society": ["CoST-GT"], "themes": ["health"], "ogp_values": ["access_to_information"],
            "problem": "Health data is published as PDF.",
            "milestones": [
                {"number": "1.1", "text": "Publish the data", "responsible": ["MSPAS"], "start": "2030-02",
                 "end": "2030-06"},
                {"number": "1.2", "text": "Train the staff", "responsible": ["MSPAS", "CoST-GT"], "start": None,
                 "end": "2031-12"},
            ],
            "revision_notes": ["The title changed."],
        }
    ],
}


@pytest.fixture
def plan_data():
    """A small valid plan file's content, to bend into every kind of bad input."""
    return copy.deepcopy(MINIMAL_PLAN)


@pytest.fixture
def write_plan(tmp_path):
    def write(data, name="plan.yaml"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


@functools.cache
def fifth_plan_data() -> dict:
    from apertura.plans.formats.plan_file import read_plan_file

    return read_plan_file(PLAN_FILE)


class _Rows:
    """What one import of the 5th plan wrote, row by row, to write again in a later test without importing.

    Importing the shipped file costs about half a second (every commitment and milestone upserted, its history
    and its audit event written); copying the rows it wrote costs a few milliseconds. The copy is taken once per
    test process, from an empty database, and is only written into a database in the same state (the tables it
    fills empty, the rows it changed as they were): anywhere else the fixture imports the file for real.
    """

    def __init__(self, models):
        self.models = models
        self.inserted: dict = {}  # model -> rows the import added
        self.replaced: dict = {}  # model -> {pk: (row before, row after)} for the rows it changed

    @staticmethod
    def _rows(model) -> dict:
        names = [field.attname for field in model._meta.concrete_fields]
        return {row[model._meta.pk.attname]: row for row in model._base_manager.values(*names)}

    def take(self, load) -> None:
        from django.db import transaction

        with transaction.atomic():
            before = {model: self._rows(model) for model in self.models}
            load()
            for model in self.models:
                after = self._rows(model)
                if before[model].keys() - after.keys():
                    raise AssertionError(f"Importing the 5th plan removed {model._meta.label} rows; _Rows cannot "
                                         "put that back")
                added = [row for pk, row in after.items() if pk not in before[model]]
                if added:
                    if before[model]:
                        raise AssertionError(f"{model._meta.label} had rows before the 5th plan was imported; _Rows "
                                             "copies into empty tables only")
                    self.inserted[model] = added
                changed = {pk: (before[model][pk], row) for pk, row in after.items()
                           if pk in before[model] and row != before[model][pk]}
                if changed:
                    self.replaced[model] = changed
            transaction.set_rollback(True)

    def put(self) -> bool:
        """Write the rows if the database is as it was when they were taken; say whether it was."""
        from django.core.management.color import no_style
        from django.db import connection, transaction

        if any(model._base_manager.exists() for model in self.inserted):
            return False
        for model, rows in self.replaced.items():
            now = self._rows(model)
            if any(pk in now and now[pk] != before for pk, (before, _after) in rows.items()):
                return False
        with transaction.atomic():
            for model, rows in self.replaced.items():
                model._base_manager.filter(pk__in=list(rows)).delete()
                model._base_manager.bulk_create([model(**after) for _before, after in rows.values()])
            for model, rows in self.inserted.items():
                model._base_manager.bulk_create([model(**row) for row in rows])
            # The rows keep their ids: PostgreSQL's sequences must move past them (SQLite's follow by themselves).
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(self.inserted)):
                    cursor.execute(sql)
        return True


def _import_fifth_plan():
    from apertura.plans.services import plan_import

    return plan_import(data=copy.deepcopy(fifth_plan_data()), source=PLAN_FILE.name).plan


@pytest.fixture(scope="session")
def _fifth_plan_rows(django_db_setup, django_db_blocker):
    """The 5th plan imported once per test process (each xdist worker has its own database), then rolled back:
    what `fifth_plan` writes again for each test that asks for it."""
    from django.apps import apps

    from apertura.audit.models import GENESIS, AuditHead

    models = [model for model in apps.get_models(include_auto_created=True)
              if model._meta.managed and not model._meta.proxy]
    rows = _Rows(models)
    with django_db_blocker.unblock():
        def load():
            # The head of the audit chain is where the migration left it, whatever an earlier test's flush did.
            AuditHead.objects.get_or_create(pk=1, defaults={"hash": GENESIS})
            _import_fifth_plan()

        rows.take(load)
    return rows


def fifth_plan_in(rows: _Rows):
    """The 5th plan written into the database from the rows of the session's import, or imported if it cannot be."""
    from apertura.plans.models import Plan

    if not rows.put():
        return _import_fifth_plan()
    return Plan.objects.get(slug=FIFTH_PLAN_SLUG)


@pytest.fixture
def fifth_plan(db, _fifth_plan_rows):
    """Guatemala's 5th plan, as importing the shipped data file writes it, in this test's database (rolled back
    after the test, like everything else it writes)."""
    return fifth_plan_in(_fifth_plan_rows)


@pytest.fixture(scope="session", autouse=True)
def _own_folders_and_settings(tmp_path_factory):
    """Each test process (each xdist worker: tmp_path_factory's folders are its own) keeps its datastore tables and
    uploaded files in throwaway folders of its own, never in $APERTURA_DATA_DIR. The processes tests start run the
    product's settings, not tests/settings.py."""
    from django.test import override_settings

    root = tmp_path_factory.mktemp("data")
    # One datastore folder for the process: the engine keeps one locked-down DuckDB database per folder.
    folders = override_settings(MEDIA_ROOT=str(root / "media"), APERTURA_DATASTORE_ROOT=str(root / "datastore"))
    folders.enable()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_SETTINGS_MODULE", "apertura.settings")
        yield root
    folders.disable()


@pytest.fixture
def short_tmp_path():
    """A throwaway folder with a short path, for what must fit in a Unix socket address (about 100 bytes): under
    pytest-xdist, tmp_path is deeper by a folder per worker."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="apertura-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def datastore_root(_own_folders_and_settings):
    """The folder every test's tables go to (a CSV uploaded to the catalog becomes one)."""
    from django.conf import settings

    return Path(settings.APERTURA_DATASTORE_ROOT)


@pytest.fixture
def make_user(db):
    """A user holding one role (or none): make_user("editor", "MINEDUC")."""
    from django.contrib.auth import get_user_model

    from apertura.accounts.models import Role
    from apertura.institutions.models import Institution

    counter = iter(range(1, 10_000))

    def make(kind=None, acronym=None, *, username=None):
        user = get_user_model().objects.create_user(username=username or f"user{next(counter)}",
                                                    password="a long test password")
        if kind:
            institution = Institution.objects.get(acronym=acronym) if acronym else None
            Role.objects.create(user=user, kind=kind, institution=institution)
        return user

    return make


@pytest.fixture
def admin(make_user):
    """A person holding the administrator role (not pytest-django's `admin_user`, a superuser without roles)."""
    user = make_user("administrator")
    user.first_name = "Admin"
    user.save()
    return user


# The catalog and its datastore tables: two publishers, files to upload, tables ingested (tests/catalog,
# tests/datastore and tests/hostile).

@pytest.fixture
def institutions(db):
    """INE and MINEDUC, the two publishers of the catalog and datastore tests."""
    from apertura.institutions.models import Institution

    ine = Institution.objects.create(acronym="INE", slug="ine", name_es="Instituto Nacional de Estadística",
                                     name_en="National Statistics Institute", kind="public_entity")
    mineduc = Institution.objects.create(acronym="MINEDUC", slug="mineduc", name_es="Ministerio de Educación",
                                         name_en="Ministry of Education", kind="public_entity")
    return {"INE": ine, "MINEDUC": mineduc}


@pytest.fixture
def write(tmp_path):
    """Write a file for upload: text (in an encoding) or bytes."""

    def make(name, content, encoding="utf-8"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return make


@pytest.fixture
def published(db, write):
    """Ingest text as table `key` and return its TableRef."""
    from apertura.datastore.selectors import published_table
    from apertura.datastore.services import datastore_ingest

    def make(key, text, name="data.csv"):
        result = datastore_ingest(key=key, source_path=write(name, text))
        assert result.ok, result.report
        return published_table(key)

    return make


@pytest.fixture
def catalog(institutions, make_user, settings, tmp_path):
    """Two institutions with an editor each, an administrator, and a way to publish a CSV as a resource of a
    dataset: the upload goes through the catalog's service, whose hook ingests it (tasks run inline)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apertura.catalog.registers import seed
    from apertura.catalog.services import dataset_create, resource_add

    seed()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    ine = institutions["INE"]
    people = {"admin": make_user("administrator"), "editor": make_user("editor", "INE"),
              "other_editor": make_user("editor", "MINEDUC"), "participant": make_user()}

    class Catalog:
        users = people

        @staticmethod
        def dataset(name="poblacion", state="published"):
            return dataset_create(by=people["admin"], publisher=ine, name=name, title=name.title(),
                                  description="Datos.", license="CC-BY-4.0", state=state)

        @staticmethod
        def upload(dataset, name, content: bytes, *, capture):
            with capture(execute=True):
                return resource_add(dataset=dataset, by=people["editor"], upload=SimpleUploadedFile(name, content))

    return Catalog


@pytest.fixture
def signed_in():
    """A test client signed in as the user, past the second factor (a confirmed TOTP device)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def sign_in(user, **client_options):
        client = Client(**client_options)
        client.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Spanish). A request through the test client activates the
    language it asks for in this thread and leaves it active: without this, a test would read its messages in the
    language of whichever test ran before it in the same process."""
    from django.utils import translation

    translation.deactivate()
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Each test rolls its database back, and SQLite may hand out the same ids again: a value cached by one test
    # (keyed by an id) must not answer the next. Rate limits are counted in the cache too. The content types are
    # cached per process: cleared, a test counts the same queries whichever tests ran before it.
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    cache.clear()
    ContentType.objects.clear_cache()
    yield


@contextlib.contextmanager
def headless_chromium():
    """Chromium, driven by Playwright's sync API, for as long as the block lasts.

    While Playwright is started, its event loop counts as running in this thread, so Django takes every ORM call
    made here for one from async code and refuses it (SynchronousOnlyOperation). Nothing here is async: the block
    says so with DJANGO_ALLOW_ASYNC_UNSAFE, which it sets only while the browser is open (the fixtures that hold
    one are package- or module-scoped, so the rest of the suite runs with Django's check on)."""
    if not CHROMIUM.exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: `make chromium` installs Debian's; CHROMIUM=… picks another")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    # Under pytest-xdist (`-n auto --dist loadgroup`, as `make test` runs it), the browser tests go to one worker,
    # one after the other, with one Chromium; the other workers take the rest meanwhile.
    if not config.pluginmanager.hasplugin("xdist"):  # -p no:xdist: no such marker either
        return
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("browser"))
