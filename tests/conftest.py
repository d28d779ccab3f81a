import copy
import functools
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "data" / "plans" / "gt-2021-2023.yaml"
SEED_TEXT = ROOT / "data" / "sources" / "guatemala-5th-ogp-action-plan-2021-2023.txt"

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
def _fifth_plan_data() -> dict:
    from apertura.plans.formats.plan_file import read_plan_file

    return read_plan_file(PLAN_FILE)


@pytest.fixture
def fifth_plan(db):
    """Guatemala's 5th plan, imported from the shipped data file."""
    from apertura.plans.services import plan_import

    return plan_import(data=copy.deepcopy(_fifth_plan_data()), source=PLAN_FILE.name).plan


@pytest.fixture(scope="module")
def shared_fifth_plan(django_db_setup, django_db_blocker):
    """The 5th plan imported once for a module of tests that only read it (each test still rolls back)."""
    from apertura.audit.models import AuditEvent, AuditHead
    from apertura.institutions.models import Institution
    from apertura.plans.models import Plan
    from apertura.plans.services import plan_import

    with django_db_blocker.unblock():
        plan = plan_import(data=copy.deepcopy(_fifth_plan_data())).plan
    yield plan
    with django_db_blocker.unblock():
        Plan.objects.all().delete()
        Institution.objects.all().delete()
        AuditEvent.objects.all().delete()
        AuditHead.objects.all().delete()  # else the next event links to a removed one and the chain shows a break


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests check behaviour, not hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
def _tasks_run_inline(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Each test rolls its database back, and SQLite may hand out the same ids again: a value cached by one test
    # (keyed by an id) must not answer the next.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def _datastore_session_root(tmp_path_factory):
    # One folder for the session: the engine keeps one locked-down DuckDB database per folder.
    return tmp_path_factory.mktemp("datastore")


@pytest.fixture(autouse=True)
def datastore_root(settings, _datastore_session_root):
    """Every test's tables (a CSV uploaded to the catalog becomes one) go to a throwaway folder."""
    settings.APERTURA_DATASTORE_ROOT = str(_datastore_session_root)
    return _datastore_session_root
