"""Following proposals and consultations: answers and changes reach followers through notifications."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apertura.notifications.models import Notification
from apertura.participation.models import Consultation
from apertura.participation.services import (
    consultation_comment, consultation_create, consultation_respond, proposal_respond,
)

pytestmark = pytest.mark.django_db
REASON = "Merged into the commitment on school budgets, as agreed at the forum."


def test_a_follower_is_told_when_the_proposal_is_answered(participant, make_proposal, as_user, admin,
                                                          django_capture_on_commit_callbacks):
    proposal = make_proposal(participant("Author"))
    follower = participant("Follower")
    client = as_user(follower)
    url = reverse("participation:follow", args=["proposal", proposal.pk])
    client.post(url, {"follow": "1"})
    assert "Stop following" in client.get(proposal.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_respond(by=admin, proposal=proposal, status="not_adopted", response=REASON)
    note = Notification.objects.get(user=follower)
    assert note.url == proposal.get_absolute_url() and note.body == REASON
    assert not Notification.objects.filter(user=admin).exists()  # the one who answered is not told
    client.post(url, {"follow": "0"})
    assert "Follow this proposal" in client.get(proposal.get_absolute_url()).content.decode()


def test_commenters_and_followers_hear_about_the_consultation_responses(plan, participant, as_user, admin,
                                                                       django_capture_on_commit_callbacks):
    now = timezone.now()
    consultation = consultation_create(by=admin, plan=plan, title="C", purpose="P", document="## One\nText",
                                       opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=2))
    commenter, reader = participant("Commenter"), participant("Reader")
    comment = consultation_comment(by=commenter, section=consultation.sections.get(), text="A comment")
    as_user(reader).post(reverse("participation:follow", args=["consultation", consultation.pk]), {"follow": "1"})
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=now - timedelta(minutes=1))
    consultation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        consultation_respond(by=admin, consultation=consultation, comments=[comment], text=REASON)
    assert set(Notification.objects.values_list("user__first_name", flat=True)) == {"Commenter", "Reader"}


def test_following_needs_signing_in_and_a_known_kind(participant, make_proposal, as_user):
    proposal = make_proposal(participant())
    assert Client().post(reverse("participation:follow", args=["proposal", proposal.pk])).status_code == 302
    assert as_user(participant("X")).post(reverse("participation:follow", args=["plan", 1])).status_code == 404
