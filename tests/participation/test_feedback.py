"""Feedback on the plan: comments on commitments and milestones with one level of replies, and «was this
page useful?» whose results only administrators see."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from apertura.notifications.models import Notification
from apertura.participation.models import PageFeedback, PlanComment
from apertura.participation.services import content_report, plan_comment_add

from .xss import PAYLOADS, live_markup

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(plan):
    return plan.commitments.get(number=4)


def _url(commitment):
    return reverse("participation:commitment_comments", args=[commitment.plan.slug, commitment.number])


def test_comments_and_one_level_of_replies_on_a_commitment(commitment, participant, as_user,
                                                           django_capture_on_commit_callbacks):
    ana, pedro = participant("Ana"), participant("Pedro")
    response = as_user(ana).post(_url(commitment), {"text": "Is the budget data **monthly**?", "website": ""})
    first = PlanComment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{first.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        as_user(pedro).post(_url(commitment), {"text": "Yes, since March.", "parent": first.pk})
    reply = PlanComment.objects.get(parent=first)
    assert Notification.objects.filter(user=ana, kind="reply").exists() and mail.outbox
    # A reply to a reply joins the same thread: one level only.
    nested = plan_comment_add(by=ana, commitment=commitment, parent=reply, text="Thanks!")
    assert nested.parent == first
    page = Client(headers={"accept-language": "en"}).get(_url(commitment)).content.decode()
    assert "<strong>monthly</strong>" in page and "Yes, since March." in page and "Pedro" in page
    data = json.loads(Client().get(_url(commitment), {"format": "json"}).content)
    assert len(data["comments"]) == 1 and [r["text"] for r in data["comments"][0]["replies"]] == [
        "Yes, since March.", "Thanks!"]


def test_comments_come_twenty_threads_a_page_and_a_link_lands_on_its_page(commitment, participant, settings):
    from apertura.participation.models import PlanComment as Model

    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = 1000
    people = [participant(f"P{i}") for i in range(3)]
    # Written in bulk: the services' rate limits and duplicate checks are not what this test is about.
    Model.objects.bulk_create([Model(commitment=commitment, author=people[i % 3], text=f"Thread {i:02d}")
                               for i in range(45)])
    late_reply = plan_comment_add(by=people[0], commitment=commitment,
                                  parent=Model.objects.get(text="Thread 21"), text="A reply to thread 21")
    first = Client(headers={"accept-language": "en"}).get(_url(commitment)).content.decode()
    assert "Thread 00" in first and "Thread 19" in first and "Thread 20" not in first
    assert "Page 1 of 3" in first and 'rel="next" href="?page=2"' in first
    # The reply's permalink (in the notification its parent's author gets) opens the page holding its thread.
    landing = Client().get(late_reply.get_absolute_url())
    assert landing.status_code == 302 and landing["Location"] == f"{_url(commitment)}?page=2#comment-{late_reply.pk}"
    second = Client().get(_url(commitment), {"page": 2}).content.decode()
    assert f'id="comment-{late_reply.pk}"' in second and "Thread 40" not in second
    data = json.loads(Client().get(_url(commitment), {"format": "json", "page": 3}).content)
    assert (data["count"], data["page"], data["pages"]) == (45, 3, 3) and len(data["comments"]) == 5


def test_comments_on_a_milestone_stay_on_its_page(commitment, participant, as_user):
    milestone = commitment.milestones.order_by("seq").first()
    url = reverse("participation:milestone_comments", args=[commitment.plan.slug, milestone.number])
    assert as_user(participant()).post(url, {"text": "When will this start?"}).status_code == 302
    comment = PlanComment.objects.get()
    assert comment.milestone == milestone and comment.commitment == commitment
    assert "When will this start?" in Client().get(url).content.decode()
    assert "When will this start?" not in Client().get(_url(commitment)).content.decode()
    other = commitment.plan.commitments.get(number=1)
    with pytest.raises(ValidationError):
        plan_comment_add(by=participant("X"), commitment=other, milestone=milestone, text="Wrong place")


def test_commenting_needs_an_active_participant_and_keeps_the_text_on_error(commitment, participant, as_user):
    assert Client().post(_url(commitment), {"text": "Anonymous"}).status_code == 403
    response = as_user(participant()).post(_url(commitment), {"text": "x" * 5001})
    assert response.status_code == 400 and "x" * 100 in response.content.decode()
    with pytest.raises(PermissionDenied):
        plan_comment_add(by=AnonymousUser(), commitment=commitment, text="Hi")


def test_plan_comments_render_xss_inert_and_can_be_reported(commitment, participant, settings):
    settings.APERTURA_PARTICIPATION_REPORTS_TO_HIDE = 1
    comment = plan_comment_add(by=participant(), commitment=commitment, text="\n\n".join(PAYLOADS))
    assert live_markup(Client().get(_url(commitment)).content.decode()) == []
    content_report(by=None, target=comment, reason="Spam", address="10.3.3.3")
    page = Client(headers={"accept-language": "en"}).get(_url(commitment)).content.decode()
    assert "This contribution is hidden" in page


def test_the_commitment_page_links_to_its_comments_and_asks_if_it_was_useful(commitment):
    page = Client(headers={"accept-language": "en"}).get(commitment.get_absolute_url()).content.decode()
    assert _url(commitment) in page and "Was this page useful?" in page


def test_was_this_useful_is_anonymous_and_only_administrators_see_results(commitment, as_admin, participant,
                                                                          as_user):
    client = Client(headers={"accept-language": "en"})
    path = commitment.get_absolute_url()
    response = client.post(reverse("participation:feedback"),
                           {"path": path, "useful": "no", "comment": "The milestones are hard to read"})
    assert response.status_code == 302 and response["Location"] == path
    client.post(reverse("participation:feedback"), {"path": path, "useful": "yes"})
    client.post(reverse("participation:feedback"), {"path": path, "useful": "yes", "website": "spam"})  # honeypot
    off_site = client.post(reverse("participation:feedback"), {"path": "https://evil.example/", "useful": "yes"})
    assert not off_site["Location"].startswith("https://evil")
    assert PageFeedback.objects.count() == 2
    assert as_user(participant()).get(reverse("participation:feedback_results")).status_code == 403
    page = as_admin.get(reverse("participation:feedback_results")).content.decode()
    assert path in page and "The milestones are hard to read" in page
