"""Proposals: submitting, supporting, the status workflow with its mandatory reasoned response, the dashboard."""

import csv
import io
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from apertura.audit.models import AuditEvent
from apertura.notifications.models import Notification
from apertura.participation.models import Proposal, ProposalStatus
from apertura.participation.services import proposal_respond, proposal_support

pytestmark = pytest.mark.django_db
REASON = "It is part of commitment 4, whose milestones publish school budgets."


def test_a_participant_submits_a_proposal_and_reads_it_back(plan, participant, as_user, proposal_data):
    user = participant()
    client = as_user(user)
    theme = plan.themes.first()
    url = reverse("participation:proposal_new", args=[plan.slug])
    response = client.post(url, {**proposal_data, "theme": theme.pk})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert (proposal.author, proposal.status, proposal.theme, proposal.department) == (
        user, ProposalStatus.RECEIVED, theme, "16")
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Open the budget of schools" in page and "Alta Verapaz" in page and "Not answered yet" in page
    assert AuditEvent.objects.filter(action="proposal.submit", object_id=str(proposal.pk)).exists()


def test_the_form_needs_an_active_participant(plan, proposal_data, make_user, as_user):
    anonymous = Client()
    url = reverse("participation:proposal_new", args=[plan.slug])
    assert anonymous.post(url, proposal_data).status_code == 302  # to sign in
    assert not Proposal.objects.exists()


def test_a_failed_submission_keeps_what_was_typed(plan, participant, as_user, proposal_data):
    client = as_user(participant())
    response = client.post(reverse("participation:proposal_new", args=[plan.slug]),
                           {**proposal_data, "proposal": "Too short"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Parents cannot see what each school receives and spends." in page and "Too short" in page
    assert not Proposal.objects.exists()


def test_a_duplicate_submission_is_refused(plan, participant, as_user, proposal_data):
    client = as_user(participant())
    url = reverse("participation:proposal_new", args=[plan.slug])
    assert client.post(url, proposal_data).status_code == 302
    response = client.post(url, {**proposal_data, "title": "  open THE budget of  schools "})
    assert response.status_code == 400 and "already sent this proposal" in response.content.decode()
    assert Proposal.objects.count() == 1


def test_supports_count_once_and_not_from_the_author(participant, make_proposal, as_user):
    author, other = participant("Author"), participant("Supporter")
    proposal = make_proposal(author)
    client = as_user(other)
    url = reverse("participation:proposal_support", args=[proposal.pk])
    client.post(url, {"support": "1"})
    client.post(url, {"support": "1"})
    assert proposal.supports.count() == 1
    with pytest.raises(PermissionDenied):
        proposal_support(by=author, proposal=proposal)
    assert "1" in client.get(proposal.get_absolute_url()).content.decode()
    client.post(url, {"support": "0"})
    assert proposal.supports.count() == 0


def test_no_proposal_closes_without_a_reasoned_response(participant, make_proposal, admin):
    proposal = make_proposal(participant())
    for status in (ProposalStatus.NOT_ADOPTED, ProposalStatus.MERGED, ProposalStatus.INCORPORATED):
        with pytest.raises(ValidationError) as error:
            proposal_respond(by=admin, proposal=proposal, status=status, response="No.")
        assert "response" in error.value.message_dict
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.RECEIVED
    # The database refuses it too, whatever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.NOT_ADOPTED)


def test_the_workflow_incorporates_into_a_milestone_and_notifies_the_author(
        plan, participant, make_proposal, admin, django_capture_on_commit_callbacks):
    author = participant()
    proposal = make_proposal(author)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = proposal_respond(by=admin, proposal=proposal, status=ProposalStatus.UNDER_REVIEW)
    assert proposal.status == ProposalStatus.UNDER_REVIEW and not proposal.response
    milestone = plan.commitments.get(number=4).milestones.order_by("seq").first()
    with pytest.raises(ValidationError):
        proposal_respond(by=admin, proposal=proposal, status=ProposalStatus.INCORPORATED, response=REASON)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = proposal_respond(by=admin, proposal=proposal, status=ProposalStatus.INCORPORATED,
                                    response=REASON, milestone=milestone)
    assert (proposal.commitment.number, proposal.milestone) == (4, milestone)
    assert Notification.objects.filter(user=author, url=proposal.get_absolute_url()).count() == 2
    assert any(REASON in m.body for m in mail.outbox)
    client = Client(headers={"accept-language": "en"})
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert REASON in page and milestone.get_absolute_url() in page
    history = json.loads(client.get(proposal.get_absolute_url(), {"format": "json"}).content)["history"]
    assert [(h["status"], h["response"]) for h in history] == [
        ("received", None), ("under_review", None), ("incorporated", REASON)]


def test_merging_needs_another_proposal_of_the_same_plan(participant, make_proposal, admin):
    user = participant()
    first, second = make_proposal(user, title="First one"), make_proposal(user, title="Second one")
    with pytest.raises(ValidationError):
        proposal_respond(by=admin, proposal=second, status=ProposalStatus.MERGED, response=REASON,
                         merged_into=second)
    merged = proposal_respond(by=admin, proposal=second, status=ProposalStatus.MERGED, response=REASON,
                              merged_into=first)
    assert merged.merged_into == first


def test_only_administrators_answer(participant, make_proposal, make_user):
    proposal = make_proposal(participant())
    for user in (participant("Other"), make_user("editor", "MINEDUC"), make_user("monitor", "CoST-GT")):
        with pytest.raises(PermissionDenied):
            proposal_respond(by=user, proposal=proposal, status=ProposalStatus.NOT_ADOPTED, response=REASON)


def test_answering_through_the_page_keeps_the_text_on_error(participant, make_proposal, as_admin):
    proposal = make_proposal(participant())
    url = reverse("participation:proposal_respond", args=[proposal.pk])
    response = as_admin.post(url, {"status": "not_adopted", "response": "Short"})
    assert response.status_code == 400 and "Short" in response.content.decode()
    response = as_admin.post(url, {"status": "not_adopted", "response": REASON})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "not_adopted" and proposal.response == REASON


def test_list_twins_and_filters(plan, participant, make_proposal):
    user = participant()
    make_proposal(user, title="=HYPERLINK(\"http://evil\")", department="05")
    make_proposal(user, title="In Petén", department="17")
    client = Client()
    url = reverse("participation:proposals", args=[plan.slug])
    data = json.loads(client.get(url, {"format": "json", "department": "17"}).content)
    assert [p["title"] for p in data["proposals"]] == ["In Petén"]
    assert data["proposals"][0]["author"] == "Ana" and "email" not in data["proposals"][0]
    rows = list(csv.reader(io.StringIO(client.get(url, {"format": "csv"}).getvalue().decode())))
    assert rows[0][:3] == ["id", "hidden", "title"] and any(r[2].startswith("'=") for r in rows[1:])
    assert client.get(url).status_code == 200


def test_the_inputs_dashboard_counts_received_answered_and_adopted(plan, participant, make_proposal, admin):
    user = participant()
    theme = plan.themes.first()
    a = make_proposal(user, title="Alpha", department="16", theme=theme)
    make_proposal(user, title="Beta", department="16")
    c = make_proposal(user, title="Gamma", department="01", theme=theme)
    proposal_respond(by=admin, proposal=a, status=ProposalStatus.INCORPORATED, response=REASON,
                     commitment=plan.commitments.get(number=4))
    proposal_respond(by=admin, proposal=c, status=ProposalStatus.NOT_ADOPTED, response=REASON)
    client = Client(headers={"accept-language": "en"})
    url = reverse("participation:inputs", args=[plan.slug])
    board = json.loads(client.get(url, {"format": "json"}).content)
    assert board["totals"] == {"received": 3, "answered": 2, "adopted": 1, "closed": 2}
    departments = {r["department"]: r for r in board["by_department"]}
    assert departments["16"]["received"] == 2 and departments["16"]["adopted"] == 1
    assert departments["16"]["name"] == "Alta Verapaz"
    themes = {r["theme"]: r for r in board["by_theme"]}
    assert themes[theme.code]["received"] == 2 and themes[""]["received"] == 1
    rows = list(csv.reader(io.StringIO(client.get(url, {"format": "csv"}).getvalue().decode())))
    assert rows[1][:4] == ["total", "", "", "3"]
    page = client.get(url).content.decode()
    assert "Alta Verapaz" in page and "By department" in page


def test_public_pages_do_not_query_per_proposal(plan, participant, make_proposal, django_assert_num_queries,
                                                settings):
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = 100
    user = participant()
    client = Client()
    url = reverse("participation:proposals", args=[plan.slug])
    for numbers in (range(6), range(6, 12)):  # 6 proposals, then 12: the same queries
        for n in numbers:
            make_proposal(user, title=f"Proposal {n}", theme=plan.themes.first())
        for params in ({}, {"format": "json"}):
            with django_assert_num_queries(5):
                response = client.get(url, params)
                response.getvalue()
            assert response.status_code == 200


def test_the_list_sorts_by_supports_and_pages(plan, participant, make_proposal, settings, monkeypatch):
    from apertura.participation.selectors import proposals
    from apertura.participation.services import proposal_support

    monkeypatch.setattr(proposals, "PROPOSALS_PER_PAGE", 2)
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = 100
    author = participant()
    popular = make_proposal(author, title="Popular one")
    for n in range(2):
        make_proposal(author, title=f"Quiet {n}")
    proposal_support(by=participant("Fan"), proposal=popular)
    client = Client(headers={"accept-language": "en"})
    url = reverse("participation:proposals", args=[plan.slug])
    first = client.get(url, {"sort": "supports", "department": "01"}).content.decode()
    assert first.index("Popular one") < first.index("Quiet 1") and "Quiet 0" not in first
    assert "sort=supports&amp;department=01&amp;page=2" in first
    second = client.get(url, {"sort": "supports", "department": "01", "page": "2"}).content.decode()
    assert "Quiet 0" in second and "Popular one" not in second
    paged = json.loads(client.get(url, {"format": "json", "page": "2"}).content)  # the JSON twin pages like the page
    assert paged["count"] == 3 and paged["pages"] == 2 and len(paged["proposals"]) == 1
    assert len(client.get(url, {"format": "csv"}).getvalue().decode().splitlines()) == 4  # the CSV is whole


def test_the_streamed_csv_says_what_the_json_says(plan, participant, make_proposal, admin):
    author, supporter = participant("Lucía"), participant("Pedro")
    adopted = make_proposal(author, title="Adopted one", theme=plan.themes.first(), department="16")
    proposal_respond(by=admin, proposal=adopted, status=ProposalStatus.INCORPORATED, response=REASON,
                     commitment=plan.commitments.get(number=4))
    proposal_support(by=supporter, proposal=adopted)
    hidden = make_proposal(participant("Troll"), title="Hidden one", department="")
    Proposal.objects.filter(pk=hidden.pk).update(hidden=True, author=None)
    client = Client(headers={"accept-language": "en"})
    url = reverse("participation:proposals", args=[plan.slug])
    response = client.get(url, {"format": "csv"})
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    data = json.loads(client.get(url, {"format": "json"}).content)["proposals"]
    assert len(rows) == len(data) == 2
    for row, item in zip(rows, data, strict=True):
        for column, value in row.items():
            want = item[column]
            assert value == ("" if want is None else str(want)), column
    newest, oldest = rows  # newest first
    assert newest["author"] == "Former participant" and newest["title"] == "" and newest["hidden"] == "True"
    assert oldest["commitment"] == "4" and oldest["supports"] == "1" and oldest["url"] == adopted.get_absolute_url()
