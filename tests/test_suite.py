"""The test machinery itself (tests/conftest.py, tests/settings.py): what its fixtures promise the other tests."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apertura.audit.models import AuditEvent, AuditHead
from apertura.institutions.models import Institution
from apertura.plans.models import Milestone, Plan
from apertura.plans.services import plan_import
from tests.conftest import PLAN_FILE, fifth_plan_data, fifth_plan_in

pytestmark = pytest.mark.django_db


def test_the_fifth_plan_written_from_rows_is_what_the_import_writes(fifth_plan, capsys):
    # Its audit event, and the chain's head pointing at it: the log verifies.
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id) == ("plan.import", "2021-2023")
    assert AuditHead.objects.get().last_event_id == event.pk
    call_command("audit", "verify")
    assert capsys.readouterr().out.startswith(f"Audit log intact: 1 event, last hash {event.hash}.")
    # Importing the file again finds everything as the import leaves it.
    assert plan_import(data=fifth_plan_data(), source=PLAN_FILE.name).summary() == "no changes"
    # New rows get new ids (PostgreSQL's sequences were moved past the copied rows).
    plan_import(data={**fifth_plan_data(), "plan": {**fifth_plan_data()["plan"], "slug": "2021-2023-bis", "number": 6}})
    assert Plan.objects.count() == 2 and Milestone.objects.count() == 98


def test_the_fifth_plan_is_imported_for_real_where_the_rows_do_not_fit(institutions, _fifth_plan_rows):
    # MINEDUC is already there (as tests/conftest.py's `institutions` makes it): the copied rows would clash with it.
    plan = fifth_plan_in(_fifth_plan_rows)
    assert plan.commitments.count() == 12
    assert Institution.objects.get(acronym="MINEDUC").pk == institutions["MINEDUC"].pk
    call_command("audit", "verify")


def test_each_test_process_keeps_its_files_in_its_own_throwaway_folders(tmp_path_factory, datastore_root):
    base = tmp_path_factory.getbasetemp()
    assert Path(settings.MEDIA_ROOT).is_relative_to(base) and datastore_root.is_relative_to(base)
    assert not datastore_root.is_relative_to(settings.DATA_DIR)


def test_the_tests_run_their_settings_and_the_processes_they_start_the_products():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests/settings.py
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "apertura.settings"


def test_djangos_async_safety_check_is_on_outside_the_browser_tests():
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
