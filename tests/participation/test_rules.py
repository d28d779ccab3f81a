"""The permission matrix of participation: every rule against every kind of person."""

import functools
from datetime import timedelta

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(plan, make_user, participant):
    suspended = participant("Suspended")
    suspended.participant.suspended_at = timezone.now()
    suspended.participant.save()
    unconfirmed = participant("Unconfirmed")
    unconfirmed.is_active = False
    unconfirmed.save()
    return {
        "anonymous": AnonymousUser(), "participant": participant("P"), "author": participant("Author"),
        "suspended": suspended, "unconfirmed": unconfirmed, "administrator": make_user("administrator"),
        "editor": make_user("editor", "MINEDUC"), "monitor": make_user("monitor", "CoST-GT"),
    }


@pytest.fixture
def objects(people, make_proposal, admin):
    from apertura.participation.services import consultation_create, proposal_respond

    open_proposal = make_proposal(people["author"], title="Open one")
    closed = make_proposal(people["author"], title="Closed one")
    closed = proposal_respond(by=admin, proposal=closed, status="not_adopted",
                              response="Out of the plan's scope, as explained at the forum.")
    now = timezone.now()
    make = functools.partial(consultation_create, by=admin, title="C", purpose="P", document="## A\nText")
    return {"open": open_proposal, "closed": closed,
            "open_consultation": make(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1)),
            "closed_consultation": make(opens_at=now - timedelta(days=3), closes_at=now - timedelta(days=1)),
            "upcoming_consultation": make(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=3))}


ALL = {"anonymous", "participant", "author", "suspended", "unconfirmed", "administrator", "editor", "monitor"}
ACTIVE = ALL - {"anonymous", "suspended", "unconfirmed"}

MATRIX = [
    ("participation.submit", None, ACTIVE),
    ("participation.support", "open", ACTIVE - {"author"}),
    ("participation.support", "closed", set()),
    ("participation.answer", "open", {"administrator"}),
    ("participation.moderate", None, {"administrator"}),
    ("participation.organize", None, {"administrator"}),
    ("participation.manage_forum", None, {"administrator"}),
    ("participation.see_feedback", None, {"administrator"}),
    ("participation.comment_plan", None, ACTIVE),
    ("participation.comment_consultation", "open_consultation", ACTIVE),
    ("participation.comment_consultation", "closed_consultation", set()),
    ("participation.comment_consultation", "upcoming_consultation", set()),
]


@pytest.mark.parametrize(("perm", "obj", "allowed"), MATRIX, ids=[f"{p}-{o}" for p, o, _a in MATRIX])
def test_permission_matrix(people, objects, perm, obj, allowed):
    target = objects[obj] if obj else None
    granted = {name for name, user in people.items() if rules.has_perm(perm, user, target)}
    assert granted == allowed
