"""Moderation: anyone reports; enough reports hide an item pending review; moderators decide with reasons."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apertura.audit.models import AuditEvent
from apertura.participation.models import ModerationCase, ModerationStatus
from apertura.participation.services import (
    consultation_comment, consultation_create, content_report, moderation_decide, participant_suspend,
)

pytestmark = pytest.mark.django_db


def _report(url, n, reason="Insults a person"):
    """n reports from n different addresses, without signing in."""
    for i in range(n):
        Client(REMOTE_ADDR=f"10.0.0.{i + 1}").post(url, {"reason": reason, "website": ""})


def test_reports_from_different_people_hide_a_proposal_pending_review(participant, make_proposal, settings):
    settings.APERTURA_PARTICIPATION_REPORTS_TO_HIDE = 2
    proposal = make_proposal(participant(), title="Offensive title here")
    url = reverse("participation:report", args=["proposal", proposal.pk])
    assert Client().get(url).status_code == 200
    _report(url, 1)
    Client(REMOTE_ADDR="10.0.0.1").post(url, {"reason": "Again from the same place"})  # counted once
    proposal.refresh_from_db()
    assert not proposal.hidden
    _report(url, 2)
    proposal.refresh_from_db()
    assert proposal.hidden
    assert ModerationCase.objects.get().status == ModerationStatus.HIDDEN
    public = Client(headers={"accept-language": "en"})
    page = public.get(proposal.get_absolute_url()).content.decode()
    assert "Offensive title here" not in page and "This contribution is hidden" in page
    data = json.loads(public.get(proposal.get_absolute_url(), {"format": "json"}).content)
    assert data["hidden"] and data["title"] is None
    listing = public.get(reverse("participation:proposals", args=[proposal.plan.slug])).content.decode()
    assert "Offensive title here" not in listing and "Hidden proposal" in listing


def test_moderators_see_the_queue_and_decide_with_reasons(participant, make_proposal, admin, as_admin, settings):
    settings.APERTURA_PARTICIPATION_REPORTS_TO_HIDE = 1
    proposal = make_proposal(participant(), title="Reported one")
    content_report(by=None, target=proposal, reason="Spam", address="10.1.1.1")
    page = as_admin.get(reverse("participation:moderation")).content.decode()
    assert "Reported one" in page and "Spam" in page
    case = ModerationCase.objects.get()
    url = reverse("participation:moderation_decide", args=[case.pk])
    as_admin.post(url, {"decision": "keep", "reason": ""})
    case.refresh_from_db()
    assert case.status == ModerationStatus.HIDDEN  # no decision without a reason
    as_admin.post(url, {"decision": "keep", "reason": "Criticism, not insult."})
    case.refresh_from_db()
    proposal.refresh_from_db()
    assert case.status == ModerationStatus.KEPT and not proposal.hidden and case.reason == "Criticism, not insult."
    # Kept items are not hidden again automatically by more reports.
    content_report(by=None, target=proposal, reason="Spam again", address="10.1.1.2")
    proposal.refresh_from_db()
    assert not proposal.hidden
    decided = as_admin.get(reverse("participation:moderation"), {"decided": "1"}).content.decode()
    assert "Criticism, not insult." in decided
    assert AuditEvent.objects.filter(action="moderation.decide", data__reason="Criticism, not insult.").exists()


def test_a_moderator_hides_a_comment_and_a_placeholder_stays(plan, participant, admin):
    now = timezone.now()
    consultation = consultation_create(by=admin, plan=plan, title="C", purpose="P", opens_at=now - timedelta(days=1),
                                       closes_at=now + timedelta(days=1), document="## One\nText")
    comment = consultation_comment(by=participant(), section=consultation.sections.get(), text="Nasty words")
    case = content_report(by=participant("Reporter"), target=comment, reason="Insult")
    moderation_decide(by=admin, case=case, keep=False, reason="Insults another participant.")
    page = Client(headers={"accept-language": "en"}).get(consultation.get_absolute_url()).content.decode()
    assert "Nasty words" not in page and "This contribution is hidden" in page


def test_only_moderators_decide_and_suspend(participant, make_proposal, make_user):
    author = participant()
    case = content_report(by=None, target=make_proposal(author), reason="Spam", address="10.2.2.2")
    for user in (participant("Other"), make_user("editor", "MINEDUC"), make_user("monitor", "CoST-GT")):
        with pytest.raises(PermissionDenied):
            moderation_decide(by=user, case=case, keep=True, reason="Looks fine to me")
        with pytest.raises(PermissionDenied):
            participant_suspend(by=user, user=author, suspended=True, reason="Because")
    assert Client().get(reverse("participation:moderation")).status_code == 302


def test_a_suspended_participant_reads_but_cannot_contribute(participant, as_admin, as_user, plan, proposal_data,
                                                             admin):
    user = participant()
    response = as_admin.post(reverse("participation:suspend", args=[user.pk]),
                             {"suspend": "1", "reason": "Repeated insults."})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.participant.suspended_at is not None and user.participant.suspended_reason == "Repeated insults."
    client = as_user(user)
    assert client.get(reverse("participation:proposals", args=[plan.slug])).status_code == 200
    assert client.post(reverse("participation:proposal_new", args=[plan.slug]), proposal_data).status_code == 403
    with pytest.raises(ValidationError):
        participant_suspend(by=admin, user=admin, suspended=True, reason="Testing myself")
    participant_suspend(by=admin, user=user, suspended=False, reason="Served the time.")
    user.refresh_from_db()
    assert user.participant.suspended_at is None
    assert AuditEvent.objects.filter(action__startswith="participant.", action__endswith="suspend").count() == 2


def test_reports_need_a_reason_and_are_rate_limited(participant, make_proposal, settings):
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS = 1
    proposal = make_proposal(participant())
    url = reverse("participation:report", args=["proposal", proposal.pk])
    client = Client(REMOTE_ADDR="10.9.9.9")
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Spam link"}).status_code == 302
    assert client.post(url, {"reason": "Spam link 2"}).status_code == 429  # too many: wait, what was typed kept
    assert Client().get(reverse("participation:report", args=["nothing", 1])).status_code == 404
