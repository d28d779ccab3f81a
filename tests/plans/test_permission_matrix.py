"""Who may do what with plans, asserted through the services that enforce it (and a sample through the pages):
every permission × every role, allowed or refused, each refusal written to the audit log as `permission.refused`.

Milestone 4.3 is MINEDUC's. The report on it was written by another MINEDUC editor, FUNDAL disputed it, and the
monitor below acts for RedCiudadana."""

import datetime as dt

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client

from apertura.audit.models import AuditEvent
from apertura.institutions.models import Institution
from apertura.plans import services
from apertura.plans.models import Commitment, Milestone, ProgressReport, Validation

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "monitor RedCiudadana", "editor MINEDUC", "editor MINGOB", "reviewer",
         "administrator"]
# What each service does for each role: 1 allowed, 0 refused (and audited).
SERVICES = {
    #                                    anon part  mon  ed-resp ed-other rev admin
    "plans.report_progress_for":        [0,   0,    0,   1,      0,       0,  1],
    "plans.add_evidence":               [0,   0,    0,   1,      0,       0,  1],
    "plans.validate_for":               [0,   0,    1,   0,      0,       0,  0],
    "plans.respond_to_validation":      [0,   0,    0,   1,      0,       0,  1],
    "plans.assess":                     [0,   0,    0,   0,      0,       1,  0],
    "plans.manage":                     [0,   0,    0,   0,      0,       0,  1],
}
# Permissions the pages ask only to decide which forms to show (the services above enforce).
SHOWN = {
    "plans.report_progress":            [0,   0,    0,   1,      0,       0,  1],
    "plans.validate":                   [0,   0,    1,   0,      0,       0,  0],
}


def inst(acronym):
    return Institution.objects.get(acronym=acronym)


@pytest.fixture
def world(fifth_plan, make_user):
    milestone = Milestone.objects.get(commitment__plan=fifth_plan, number="4.3")
    report = ProgressReport.objects.create(milestone=milestone, status="in_progress", percent=10,
                                           narrative="Collected.", as_of=dt.date(2022, 5, 1),
                                           institution=inst("MINEDUC"), author=make_user("editor", "MINEDUC"))
    validation = Validation.objects.create(report=report, verdict="dispute", reason="Not all published.",
                                           organization=inst("FUNDAL"), monitor=make_user("monitor", "FUNDAL"))
    return {"plan": fifth_plan, "milestone": milestone, "report": report, "validation": validation,
            "commitment": Commitment.objects.get(plan=fifth_plan, number=4)}


def person(role, make_user):
    if role == "anonymous":
        return AnonymousUser()
    if role == "participant":
        return make_user()
    kind, _space, acronym = role.partition(" ")
    return make_user(kind, acronym or None)


def attempt(perm, user, w):
    """Call the service that `perm` guards, with values it would accept from someone allowed."""
    if perm == "plans.report_progress_for":
        return services.milestone_report_progress(
            milestone=w["milestone"], by=user, institution=inst("MINEDUC"), status="in_progress", percent=20,
            narrative="More collected.", as_of=dt.date(2022, 6, 1), based_on=w["report"].pk)
    if perm == "plans.add_evidence":
        return services.evidence_add(report=w["report"], by=user, title="Portal", url="https://mineduc.example/")
    if perm == "plans.validate_for":
        return services.validation_submit(report=w["report"], by=user, organization=inst("RedCiudadana"),
                                          verdict="confirm", reason="We saw the data on the portal.")
    if perm == "plans.respond_to_validation":
        return services.validation_respond(validation=w["validation"], by=user, text="It will be published.")
    if perm == "plans.assess":
        return services.assessment_save(commitment=w["commitment"], by=user, values={"completion": "limited"})
    if perm == "plans.manage":
        return services.plan_snapshot(plan=w["plan"], by=user, label="Mid-term")
    raise AssertionError(perm)


@pytest.mark.parametrize("perm", list(SERVICES))
@pytest.mark.parametrize("role", ROLES)
def test_each_service_allows_or_refuses_each_role_and_audits_refusals(role, perm, world, make_user):
    user = person(role, make_user)
    allowed = SERVICES[perm][ROLES.index(role)]
    if allowed:
        assert attempt(perm, user, world) is not None
        assert not AuditEvent.objects.filter(action="permission.refused").exists()
        return
    with pytest.raises(PermissionDenied) as refusal:
        attempt(perm, user, world)
    assert str(refusal.value)  # a sentence for the 403 page, not an empty refusal
    [event] = AuditEvent.objects.filter(action="permission.refused")
    assert event.data["permission"] == perm
    assert event.actor == (None if role == "anonymous" else user)
    assert event.summary == str(refusal.value)


@pytest.mark.parametrize("role", ROLES)
def test_what_the_pages_show_follows_the_same_rules(role, world, make_user):
    user = person(role, make_user)
    shown = {perm: int(rules.has_perm(perm, user, world["milestone"] if perm.endswith("progress") else
                                      world["report"])) for perm in SHOWN}
    assert shown == {perm: row[ROLES.index(role)] for perm, row in SHOWN.items()}


@pytest.mark.parametrize("role", ROLES)
def test_importing_a_plan_through_the_site_needs_an_administrator(role, world, make_user, plan_data):
    user = person(role, make_user)
    if role == "administrator":
        assert services.plan_import(data=plan_data, actor=user).plan.slug == "2030-2032"
        return
    with pytest.raises(PermissionDenied):
        services.plan_import(data=plan_data, actor=user)
    assert AuditEvent.objects.get(action="permission.refused").data["permission"] == "plans.manage"
    assert not AuditEvent.objects.filter(action="plan.import", object_id="2030-2032").exists()


def test_a_deactivated_editor_is_refused_everything(world, make_user):
    editor = make_user("editor", "MINEDUC")
    editor.is_active = False
    editor.save()
    for perm in SERVICES:
        with pytest.raises(PermissionDenied):
            attempt(perm, editor, world)
    assert AuditEvent.objects.filter(action="permission.refused").count() == len(SERVICES)


# A sample through the pages: the same refusals, with a 403 and a trace.

MILESTONE = "/plans/2021-2023/milestones/4.3/"


def refused_over_http(client, url, data, perm):
    response = client.post(url, data)
    assert response.status_code == 403, response.content[:300]
    assert AuditEvent.objects.filter(action="permission.refused", data__permission=perm).count() == 1


def test_an_editor_of_another_institution_cannot_add_evidence_or_answer(world, make_user, signed_in):
    client = signed_in(make_user("editor", "MINGOB"))
    refused_over_http(client, MILESTONE, {"action": "evidence", "report": world["report"].pk, "title": "Forged",
                                          "url": "https://forged.example/"}, "plans.add_evidence")
    refused_over_http(client, MILESTONE, {"action": "respond", "validation": world["validation"].pk,
                                          "text": "Not ours to answer."}, "plans.respond_to_validation")
    assert not world["report"].evidence.exists() and not world["validation"].responses.exists()


def test_a_monitor_cannot_speak_for_another_organization(world, make_user):
    client = Client()
    client.force_login(make_user("monitor", "RedCiudadana"))
    response = client.post(MILESTONE, {"action": "validate", "report": world["report"].pk,
                                       "organization": inst("FUNDAL").pk, "verdict": "confirm",
                                       "reason": "Pretending to be FUNDAL."})
    # The form offers only the monitor's own organizations: a forged one is a form error, nothing is written.
    assert response.status_code == 422
    assert Validation.objects.get(report=world["report"]).organization.acronym == "FUNDAL"


def test_only_a_reviewer_saves_an_assessment(world, make_user, signed_in):
    url = "/plans/2021-2023/commitments/4/assessment/"
    refused_over_http(signed_in(make_user("administrator")), url, {"completion": "limited"}, "plans.assess")
    reviewer = Client()
    reviewer.force_login(make_user("reviewer"))
    assert reviewer.post(url, {"completion": "limited"}).status_code == 302


def test_only_an_administrator_keeps_a_version(world, make_user, signed_in):
    url = "/plans/2021-2023/versions/"
    refused_over_http(signed_in(make_user("editor", "MINEDUC")), url, {"label": "Mine"}, "plans.manage")
    assert signed_in(make_user("administrator")).post(url, {"label": "Mid-term"}).status_code == 302
    assert world["plan"].versions.filter(label="Mid-term").exists()
