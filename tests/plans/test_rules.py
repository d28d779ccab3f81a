"""Who may do what with plans: one row per role, one column per permission."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from apertura.institutions.models import Institution
from apertura.plans.models import Commitment, Milestone, ProgressReport, Validation

pytestmark = pytest.mark.django_db

PERMISSIONS = ["report_progress", "report_for_mineduc", "report_for_mingob", "add_evidence", "validate",
               "validate_for_red", "respond", "assess", "manage"]
# Milestone 4.3 is MINEDUC's; the report on it was written by another MINEDUC editor.
MATRIX = {
    "anonymous":               [0, 0, 0, 0, 0, 0, 0, 0, 0],
    "participant":             [0, 0, 0, 0, 0, 0, 0, 0, 0],
    "editor MINEDUC":          [1, 1, 0, 1, 0, 0, 1, 0, 0],
    "editor MINGOB":           [0, 0, 0, 0, 0, 0, 0, 0, 0],
    "monitor RedCiudadana":    [0, 0, 0, 0, 1, 1, 0, 0, 0],
    "monitor FUNDAL":          [0, 0, 0, 0, 1, 0, 0, 0, 0],
    "reviewer":                [0, 0, 0, 0, 0, 0, 0, 1, 0],
    "administrator":           [1, 1, 0, 1, 0, 0, 1, 0, 1],
}


@pytest.fixture
def objects(fifth_plan, make_user):
    mineduc, red = Institution.objects.get(acronym="MINEDUC"), Institution.objects.get(acronym="RedCiudadana")
    milestone = Milestone.objects.get(commitment__plan=fifth_plan, number="4.3")
    report = ProgressReport.objects.create(milestone=milestone, status="in_progress", percent=10, narrative="x",
                                           as_of="2022-05-01", institution=mineduc,
                                           author=make_user("editor", "MINEDUC"))
    validation = Validation.objects.create(report=report, verdict="dispute", reason="Not published.",
                                           organization=red, monitor=make_user("monitor", "RedCiudadana"))
    return {"milestone": milestone, "report": report, "validation": validation, "mineduc": mineduc,
            "mingob": Institution.objects.get(acronym="MINGOB"), "red": red,
            "commitment": Commitment.objects.get(plan=fifth_plan, number=4)}


def checks(user, o) -> list[int]:
    return [int(bool(result)) for result in [
        rules.has_perm("plans.report_progress", user, o["milestone"]),
        rules.has_perm("plans.report_progress_for", user, (o["milestone"], o["mineduc"])),
        rules.has_perm("plans.report_progress_for", user, (o["milestone"], o["mingob"])),
        rules.has_perm("plans.add_evidence", user, o["report"]),
        rules.has_perm("plans.validate", user, o["report"]),
        rules.has_perm("plans.validate_for", user, (o["report"], o["red"])),
        rules.has_perm("plans.respond_to_validation", user, o["validation"]),
        rules.has_perm("plans.assess", user, o["commitment"]),
        rules.has_perm("plans.manage", user, o["commitment"].plan),
    ]]


@pytest.mark.parametrize("role", list(MATRIX))
def test_permission_matrix(role, objects, make_user):
    if role == "anonymous":
        user = AnonymousUser()
    elif role == "participant":
        user = make_user()
    else:
        kind, _space, acronym = role.partition(" ")
        user = make_user(kind, acronym or None)
    assert dict(zip(PERMISSIONS, checks(user, objects), strict=True)) == dict(
        zip(PERMISSIONS, MATRIX[role], strict=True))


def test_a_deactivated_editor_loses_every_permission(objects, make_user):
    editor = make_user("editor", "MINEDUC")
    editor.is_active = False
    editor.save()
    assert checks(editor, objects) == [0] * len(PERMISSIONS)
