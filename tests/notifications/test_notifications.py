"""Following commitments, Atom feeds, in-app notifications and the daily deadline digest."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apertura.institutions.models import Institution
from apertura.notifications.models import Notification
from apertura.plans.tasks import send_deadline_digests
from apertura.plans import services
from apertura.plans.models import Commitment, Milestone, Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_plan(fifth_plan):
    """The plan as if it were being implemented now, so deadlines are still ahead of it."""
    Plan.objects.filter(pk=fifth_plan.pk).update(status=Plan.Status.IMPLEMENTATION)
    return fifth_plan


def report(number, user, percent=30):
    milestone = Milestone.objects.get(number=number)
    return services.milestone_report_progress(
        milestone=milestone, by=user, institution=Institution.objects.get(acronym="MINEDUC"),
        status="in_progress", percent=percent, narrative="Work under way.", as_of=timezone.localdate())


def test_a_follower_is_told_of_progress_by_e_mail_and_in_the_app(
    fifth_plan, make_user, django_capture_on_commit_callbacks
):
    follower = make_user()
    follower.email = "ana@example.org"
    follower.save()
    client = Client()
    client.force_login(follower)
    assert client.post("/plans/2021-2023/commitments/4/follow/", {"follow": "1"}).status_code == 302
    editor = make_user("editor", "MINEDUC")
    with django_capture_on_commit_callbacks(execute=True):
        report("4.3", editor, percent=45)
    [note] = Notification.objects.filter(user=follower)
    assert note.title.startswith("4.3:") and "45%" in note.title
    assert mail.outbox[-1].to == ["ana@example.org"] and "/plans/2021-2023/milestones/4.3/" in mail.outbox[-1].body
    inbox = client.get("/notifications/", headers={"accept-language": "en"}).content.decode()
    assert "45%" in inbox and "new" in inbox
    client.post("/notifications/read/")
    assert not Notification.objects.filter(user=follower, read_at=None).exists()


def test_the_author_and_non_followers_are_not_notified(fifth_plan, make_user, django_capture_on_commit_callbacks):
    editor = make_user("editor", "MINEDUC")
    from apertura.notifications.services import follow_set

    follow_set(user=editor, target=Commitment.objects.get(number=4), following=True)
    with django_capture_on_commit_callbacks(execute=True):
        report("4.3", editor)
    assert not Notification.objects.exists()


def test_unfollowing_stops_notifications(fifth_plan, make_user, django_capture_on_commit_callbacks):
    follower = make_user()
    client = Client()
    client.force_login(follower)
    client.post("/plans/2021-2023/commitments/4/follow/", {"follow": "1"})
    client.post("/plans/2021-2023/commitments/4/follow/", {"follow": "0"})
    with django_capture_on_commit_callbacks(execute=True):
        report("4.3", make_user("editor", "MINEDUC"))
    assert not Notification.objects.filter(user=follower).exists()


def test_feeds_list_progress_and_verdicts(fifth_plan, make_user):
    created = report("4.3", make_user("editor", "MINEDUC"), percent=55)
    services.validation_submit(report=created, by=make_user("monitor", "FUNDAL"),
                               organization=Institution.objects.get(acronym="FUNDAL"), verdict="dispute",
                               reason="The data are not disaggregated by disability.")
    for url in ("/plans/2021-2023/feed.atom", "/plans/2021-2023/commitments/4/feed.atom",
                "/institutions/mineduc/feed.atom"):
        response = Client(headers={"accept-language": "en"}).get(url)
        body = response.content.decode()
        assert response["Content-Type"].startswith("application/atom+xml")
        assert "4.3: In progress · 55% (MINEDUC)" in body and "4.3: Disputed — FUNDAL" in body
    other = Client().get("/plans/2021-2023/commitments/5/feed.atom").content.decode()
    assert "4.3:" not in other


def test_deadline_digest_goes_to_editors_with_due_or_overdue_milestones(live_plan, make_user):
    editor = make_user("editor", "MINEDUC")
    editor.email = "puntodecontacto@mineduc.example"
    editor.save()
    make_user("editor", "MINGOB")  # 1.1 overdue since May; has no address: in-app only
    sent = send_deadline_digests.call(days=14, on="2022-06-20")
    assert sent == 2
    digest = next(m for m in mail.outbox if m.to == ["puntodecontacto@mineduc.example"])
    # As of 20 June 2022: 4.1 and 4.2 are overdue, 4.3 is due at the end of June.
    assert "4.1 (MINEDUC)" in digest.body and "4.2 (MINEDUC)" in digest.body and "4.3 (MINEDUC)" in digest.body
    assert "4.4" not in digest.body  # due July 2022: beyond 14 days
    assert Notification.objects.filter(user=editor, kind="deadline").exists()


def test_completed_milestones_and_ended_plans_are_not_chased(live_plan, make_user):
    editor = make_user("editor", "MINEDUC")
    milestone = Milestone.objects.get(number="4.1")
    services.milestone_report_progress(milestone=milestone, by=editor,
                                       institution=Institution.objects.get(acronym="MINEDUC"),
                                       status="completed", percent=100, completed_on=dt.date(2022, 2, 20),
                                       narrative="Done.", as_of=dt.date(2022, 2, 20))
    send_deadline_digests.call(days=14, on="2022-06-20")
    body = Notification.objects.get(user=editor).body
    assert "4.1" not in body and "4.2" in body
    Plan.objects.update(status=Plan.Status.ENDED)
    Notification.objects.all().delete()
    assert send_deadline_digests.call(days=14, on="2022-06-20") == 0


def test_the_command_queues_or_sends_and_refuses_bad_dates(live_plan, make_user, capsys):
    make_user("editor", "MINEDUC")
    call_command("notify", "deadlines", "--on", "2022-06-20", "--now")
    assert "Sent 1 digest(s)." in capsys.readouterr().out
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("notify", "deadlines", "--on", "20/06/2022")
