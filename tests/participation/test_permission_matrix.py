"""The permission matrix of participation: every permission against every role, asserted through the services
that enforce it (a refusal raises PermissionDenied, writes nothing but its audit event, and that event names
the permission), and a sample through HTTP (a refused submission is the 403 page, audited; a page refused before
anything is sent is not a write, and is not audited)."""

import datetime as dt
from datetime import timedelta

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rules.permissions import permissions

from apertura.audit.models import AuditEvent
from apertura.institutions.models import Institution
from apertura.participation import services
from apertura.participation.models import Consultation, Proposal

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "suspended", "unconfirmed", "author", "monitor", "editor", "other_editor",
         "reviewer", "administrator"]
EVERYONE = set(ROLES)
# Signed in, active, not suspended: staff roles contribute like anyone else.
CONTRIBUTORS = EVERYONE - {"anonymous", "suspended", "unconfirmed"}
ADMINISTRATORS = {"administrator"}


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = settings.APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS = 1000


@pytest.fixture
def people(plan, make_user, participant, admin):
    suspended = participant("Suspended")
    suspended.participant.suspended_at = timezone.now()
    suspended.participant.save()
    unconfirmed = participant("Unconfirmed")
    unconfirmed.is_active = False
    unconfirmed.save()
    return {
        "anonymous": AnonymousUser(), "participant": participant("P"), "suspended": suspended,
        "unconfirmed": unconfirmed, "author": participant("Author"), "monitor": make_user("monitor", "CoST-GT"),
        # The open proposal is addressed to MINEDUC: its editor edits for the institution responsible for it.
        "editor": make_user("editor", "MINEDUC"), "other_editor": make_user("editor", "MINGOB"),
        "reviewer": make_user("reviewer"), "administrator": admin,
    }


@pytest.fixture
def objects(plan, people, make_proposal, participant, admin, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    author = people["author"]
    mineduc = Institution.objects.get(acronym="MINEDUC")
    open_proposal = make_proposal(author, title="Open one", institution=mineduc)
    closed = services.proposal_respond(by=admin, proposal=make_proposal(author, title="Closed one"),
                                       status="not_adopted", response="Out of the plan's scope, as said at the forum.")
    now = timezone.now()

    def consultation(opens, closes):
        return services.consultation_create(by=admin, title="C", purpose="P", document="## A\nText",
                                            opens_at=now + timedelta(days=opens),
                                            closes_at=now + timedelta(days=closes))

    open_consultation, closed_consultation = consultation(-1, 1), consultation(-3, 2)
    answered = services.consultation_comment(by=author, section=closed_consultation.sections.get(), text="Hello")
    Consultation.objects.filter(pk=closed_consultation.pk).update(closes_at=now - timedelta(days=1))
    closed_consultation.refresh_from_db()
    member = services.forum_member_add(by=admin, name="Carlos", institution=Institution.objects.get(acronym="FUNDAL"),
                                       since=dt.date(2021, 1, 1))
    meeting = services.meeting_record(by=admin, date=dt.date(2022, 1, 1), kind="other", agenda="A", place="Here")
    return {
        "open": open_proposal, "closed": closed, "open_consultation": open_consultation,
        "closed_consultation": closed_consultation, "upcoming_consultation": consultation(1, 3),
        "answered_comment": answered, "member": member, "meeting": meeting,
        "document": services.meeting_document_add(by=admin, meeting=meeting, title="Slides",
                                                  url="https://example.org/slides"),
        "case": services.content_report(by=None, target=open_proposal, reason="Spam", address="10.9.9.9"),
        "target": participant("Target"), "commitment": plan.commitments.get(number=4), "plan": plan,
    }


def _section(consultation):
    return consultation.sections.get()


# (permission, what the service acts on, who may, the service call: (objects, user, role) -> None)
CASES = [
    ("participation.submit", "plan", CONTRIBUTORS, lambda o, u, r: services.proposal_submit(
        by=u, plan=o["plan"], title=f"A proposal by {r}", problem="A problem long enough to count here.",
        proposal="A proposal long enough to count, surely.", address="10.0.0.1")),
    ("participation.support", "open", CONTRIBUTORS - {"author"},
     lambda o, u, r: services.proposal_support(by=u, proposal=o["open"])),
    ("participation.support", "closed", set(), lambda o, u, r: services.proposal_support(by=u, proposal=o["closed"])),
    ("participation.answer", "open", ADMINISTRATORS, lambda o, u, r: services.proposal_respond(
        by=u, proposal=o["open"], status="under_review")),
    ("participation.comment_consultation", "open_consultation", CONTRIBUTORS,
     lambda o, u, r: services.consultation_comment(by=u, section=_section(o["open_consultation"]),
                                                   text=f"A comment by {r}")),
    ("participation.comment_consultation", "closed_consultation", set(),
     lambda o, u, r: services.consultation_comment(by=u, section=_section(o["closed_consultation"]), text="Late")),
    ("participation.comment_consultation", "upcoming_consultation", set(),
     lambda o, u, r: services.consultation_comment(by=u, section=_section(o["upcoming_consultation"]), text="Early")),
    ("participation.comment_plan", "commitment", CONTRIBUTORS, lambda o, u, r: services.plan_comment_add(
        by=u, commitment=o["commitment"], text=f"A comment by {r}")),
    ("participation.report", "open", EVERYONE, lambda o, u, r: services.content_report(
        by=u, target=o["open"], reason=f"Reported by {r}", address=f"10.1.{ROLES.index(r)}.1")),
    ("participation.give_feedback", None, EVERYONE, lambda o, u, r: services.page_feedback_record(
        path="/plans/", useful=True, comment=f"From {r}", user=u, address=f"10.2.{ROLES.index(r)}.1")),
    ("participation.organize", None, ADMINISTRATORS, lambda o, u, r: services.consultation_create(
        by=u, title="New", purpose="P", document="Text", opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=1))),
    ("participation.organize", "closed_consultation", ADMINISTRATORS, lambda o, u, r: services.consultation_respond(
        by=u, consultation=o["closed_consultation"], comments=[o["answered_comment"]],
        text="A reasoned response to the comment.")),
    ("participation.organize", "closed_consultation", ADMINISTRATORS,
     lambda o, u, r: services.consultation_publish_summary(by=u, consultation=o["closed_consultation"],
                                                           summary="What was received and what changed.")),
    ("participation.moderate", "case", ADMINISTRATORS, lambda o, u, r: services.moderation_decide(
        by=u, case=o["case"], keep=True, reason="Criticism, not insult.")),
    ("participation.moderate", "target", ADMINISTRATORS, lambda o, u, r: services.participant_suspend(
        by=u, user=o["target"], suspended=True, reason="Repeated insults.")),
    ("participation.manage_forum", None, ADMINISTRATORS, lambda o, u, r: services.forum_member_add(
        by=u, name="New member", institution=o["member"].institution, since=dt.date(2022, 1, 1))),
    ("participation.manage_forum", "member", ADMINISTRATORS, lambda o, u, r: services.forum_member_update(
        by=u, member=o["member"], name="Carlos S.", institution=o["member"].institution, since=dt.date(2021, 1, 1))),
    ("participation.manage_forum", None, ADMINISTRATORS, lambda o, u, r: services.meeting_record(
        by=u, date=dt.date(2022, 6, 1), kind="other", agenda="B", place="There")),
    ("participation.manage_forum", "meeting", ADMINISTRATORS, lambda o, u, r: services.meeting_record(
        by=u, meeting=o["meeting"], date=dt.date(2022, 1, 1), kind="other", agenda="A", place="Here",
        minutes="Minutes.")),
    ("participation.manage_forum", "meeting", ADMINISTRATORS, lambda o, u, r: services.meeting_document_add(
        by=u, meeting=o["meeting"], title="Agenda", url="https://example.org/agenda")),
    ("participation.manage_forum", "document", ADMINISTRATORS, lambda o, u, r: services.meeting_document_remove(
        by=u, document=o["document"], reason="Linked to the wrong meeting.")),
]
# Permissions that guard a page, not a write: no service enforces them, the page does.
PAGES = [("participation.see_feedback", ADMINISTRATORS)]


def _refusals(perm):
    return AuditEvent.objects.filter(action="permission.refused", data__permission=perm)


def test_every_participation_permission_is_in_the_matrix():
    registered = {name for name in permissions if name.startswith("participation.")}
    assert registered == {perm for perm, *_rest in CASES} | {perm for perm, _allowed in PAGES}


@pytest.mark.parametrize(("perm", "obj", "allowed", "call"), CASES,
                         ids=[f"{i:02d}-{perm}-{obj}" for i, (perm, obj, _a, _c) in enumerate(CASES)])
def test_the_services_enforce_the_matrix(people, objects, perm, obj, allowed, call):
    target = objects[obj] if obj else None
    granted = set()
    for role in ROLES:
        user = people[role]
        assert rules.has_perm(perm, user, target) == (role in allowed), (role, "rules")
        events = AuditEvent.objects.count()
        try:
            call(objects, user, role)
        except PermissionDenied:
            # Refused: nothing written but the refusal, which names the permission, the person and the object.
            assert AuditEvent.objects.count() == events + 1, role
            refusal = AuditEvent.objects.latest("id")
            assert (refusal.action, refusal.data["permission"]) == ("permission.refused", perm), role
            assert refusal.actor_id == (user.pk if user.is_authenticated else None), role
            if target is not None and hasattr(target, "_meta"):
                assert (refusal.object_type, refusal.object_id) == (target._meta.label_lower, str(target.pk)), role
        else:
            granted.add(role)
            assert not _refusals(perm).filter(actor_id=getattr(user, "pk", None)).exists(), role
    assert granted == allowed


@pytest.mark.parametrize(("perm", "allowed"), PAGES)
def test_the_page_permissions(people, perm, allowed):
    assert {role for role in ROLES if rules.has_perm(perm, people[role])} == allowed


def test_a_refused_submission_through_the_page_is_the_403_page_and_is_audited(plan, people, objects, proposal_data,
                                                                              as_user, signed_in):
    suspended = as_user(people["suspended"])
    url = reverse("participation:proposal_new", args=[plan.slug])
    assert suspended.get(url).status_code == 403  # the form is not even shown
    assert not _refusals("participation.submit").exists()  # nothing was sent: nothing to audit
    response = suspended.post(url, proposal_data)
    assert response.status_code == 403 and not Proposal.objects.filter(title=proposal_data["title"]).exists()
    assert _refusals("participation.submit").get().actor == people["suspended"]

    commitment = objects["commitment"]
    comments = reverse("participation:commitment_comments", args=[plan.slug, commitment.number])
    assert Client().post(comments, {"text": "Anonymous words"}).status_code == 403
    assert _refusals("participation.comment_plan").get().actor is None

    participant = as_user(people["participant"])
    meeting = {"date": "2022-03-10", "kind": "other", "agenda": "Agenda", "place": "Here"}
    assert participant.get(reverse("participation:meeting_new")).status_code == 403
    assert participant.post(reverse("participation:meeting_new"), meeting).status_code == 403
    assert _refusals("participation.manage_forum").get().actor == people["participant"]

    respond = reverse("participation:proposal_respond", args=[objects["open"].pk])
    editor = signed_in(people["editor"])
    assert editor.post(respond, {"status": "not_adopted", "response": "Not for this plan, as we explained."}
                       ).status_code == 403
    objects["open"].refresh_from_db()
    assert objects["open"].status == "received" and _refusals("participation.answer").get().actor == people["editor"]


def test_pages_refused_before_anything_is_sent(people, objects, as_user, signed_in, as_admin):
    editor = signed_in(people["editor"])
    assert editor.get(reverse("participation:moderation")).status_code == 403
    assert signed_in(people["monitor"]).get(reverse("participation:feedback_results")).status_code == 403
    assert as_admin.get(reverse("participation:feedback_results")).status_code == 200
    # To whom may not moderate, a case that does not exist is refused like one that does: nothing is learnt.
    for pk in (objects["case"].pk, 999_999):
        assert editor.post(reverse("participation:moderation_decide", args=[pk]),
                           {"decision": "keep", "reason": "Looks fine"}).status_code == 403
    assert as_admin.post(reverse("participation:moderation_decide", args=[999_999]),
                         {"decision": "keep", "reason": "Looks fine"}).status_code == 404
    assert _refusals("participation.moderate").get().actor == people["editor"]  # the real case only


def test_a_refused_support_is_a_message_on_the_proposal_page(people, objects, as_user):
    client = as_user(people["participant"])
    closed = objects["closed"]
    response = client.post(reverse("participation:proposal_support", args=[closed.pk]), {"support": "1"},
                           follow=True)
    assert response.status_code == 200 and "You cannot support this proposal." in response.content.decode()
    assert not closed.supports.exists() and _refusals("participation.support").get().actor == people["participant"]
