"""The participation JSON API: read-only, paginated, public content only, people by display name only."""

import datetime as dt
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apertura.institutions.models import Institution
from apertura.participation.models import Proposal, ProposalStatus
from apertura.participation.services import (
    consultation_comment, consultation_create, consultation_respond, forum_member_add, meeting_document_add,
    meeting_record, proposal_respond,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
REASON = "The forum adopted it as milestone 4.2, to be published every month."


@pytest.fixture
def api():
    return Client()


def test_the_openapi_schema_lists_the_participation_endpoints(api):
    paths = set(api.get("/api/v1/openapi.json").json()["paths"])
    assert {f"{API}/plans/{{slug}}/proposals", f"{API}/proposals/{{pk}}", f"{API}/consultations",
            f"{API}/consultations/{{slug}}", f"{API}/consultations/{{slug}}/comments", f"{API}/forum/meetings",
            f"{API}/plans/{{slug}}/scorecard"} <= paths
    assert not any(method != "get" for path in paths if path.startswith(API)
                   for method in api.get("/api/v1/openapi.json").json()["paths"][path])


def test_proposals_with_status_and_reasoned_response_without_hidden_ones_or_personal_data(
        api, plan, participant, make_proposal, admin):
    author = participant("Lucía")
    answered = make_proposal(author, title="Open school budgets")
    proposal_respond(by=admin, proposal=answered, status=ProposalStatus.NOT_ADOPTED, response=REASON)
    hidden = make_proposal(participant("Troll"), title="Something hidden")
    Proposal.objects.filter(pk=hidden.pk).update(hidden=True)
    for n in range(3):
        make_proposal(participant(f"P{n}"), title=f"Proposal number {n}")
    page = api.get(f"{API}/plans/{plan.slug}/proposals?limit=2").json()
    assert page["count"] == 4 and len(page["items"]) == 2
    everything = api.get(f"{API}/plans/{plan.slug}/proposals?status=not_adopted").json()["items"]
    assert [p["title"] for p in everything] == ["Open school budgets"]
    item = everything[0]
    assert item["response"] == REASON and item["author"] == "Lucía" and item["supports"] == 0
    assert not {"email", "username", "affiliation", "author_id"} & set(item)
    assert author.email not in api.get(f"{API}/plans/{plan.slug}/proposals").content.decode()
    detail = api.get(f"{API}/proposals/{answered.pk}").json()
    assert [step["status"] for step in detail["history"]] == ["received", "not_adopted"]
    assert api.get(f"{API}/proposals/{hidden.pk}").status_code == 404
    assert api.get(f"{API}/plans/no-such-plan/proposals").status_code == 404


def test_consultations_and_their_public_comments(api, plan, admin, participant):
    now = timezone.now()
    consultation = consultation_create(by=admin, plan=plan, title="Draft", purpose="Comment on it.",
                                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5),
                                       document="## One\nFirst.\n## Two\nSecond.")
    one, two = consultation.sections.all()
    first = consultation_comment(by=participant("Lucía"), section=one, text="Publish monthly.")
    hidden = consultation_comment(by=participant("Troll"), section=two, text="Something rude.")
    type(hidden).objects.filter(pk=hidden.pk).update(hidden=True)
    consultation_comment(by=participant("Pedro"), section=two, text="Add a deadline.")
    type(consultation).objects.filter(pk=consultation.pk).update(closes_at=now - timedelta(minutes=1),
                                                                 opens_at=now - timedelta(days=3))
    consultation.refresh_from_db()
    consultation_respond(by=admin, consultation=consultation, comments=[first], text=REASON)
    listing = api.get(f"{API}/consultations").json()
    assert listing["count"] == 1 and listing["items"][0]["phase"] == "closed"
    detail = api.get(f"{API}/consultations/{consultation.slug}").json()
    assert [(s["title"], s["comment_count"]) for s in detail["sections"]] == [("One", 1), ("Two", 2)]
    comments = api.get(f"{API}/consultations/{consultation.slug}/comments").json()
    assert [(c["author"], c["text"], c["response"]) for c in comments["items"]] == [
        ("Lucía", "Publish monthly.", REASON), ("Pedro", "Add a deadline.", None)]
    assert [c["text"] for c in api.get(f"{API}/consultations/{consultation.slug}/comments?section=2").json()[
        "items"]] == ["Add a deadline."]


def test_forum_meetings_and_the_scorecard(api, plan, admin, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    member = forum_member_add(by=admin, name="Carlos Sociedad", institution=Institution.objects.get(acronym="FUNDAL"),
                              since=dt.date(2021, 1, 1))
    meeting = meeting_record(by=admin, plan=plan, date=dt.date(2022, 3, 10), kind="implementation",
                             agenda="Follow-up", place="MINEDUC", attendees=[member],
                             decisions=[("Publish data", "FUNDAL")])
    document = meeting_document_add(by=admin, meeting=meeting, title="Minutes",
                                    upload=SimpleUploadedFile("acta.pdf", b"%PDF-1.4\n%\n"))
    meetings = api.get(f"{API}/forum/meetings").json()
    item = meetings["items"][0]
    assert meetings["count"] == 1 and item["attendees"] == [
        {"name": "Carlos Sociedad", "institution": "FUNDAL", "alternate": False}]
    assert item["documents"] == [{"title": "Minutes", "url": document.public_url}]
    assert item["decisions"] == [{"text": "Publish data", "owner": "FUNDAL"}]
    card = api.get(f"{API}/plans/{plan.slug}/scorecard").json()
    assert {c["code"] for c in card["checks"]} >= {"reasoned_responses"} and card["plan"] == plan.slug
