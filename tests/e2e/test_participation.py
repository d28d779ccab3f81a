"""Co-creation in a real browser: a person registers (confirming by e-mail), submits a proposal, another
supports it, an administrator answers it with reasons; a participant comments on a consultation. The core
flows run with JavaScript disabled; axe-core checks each page where it is enabled."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long e2e password 2026"
REASON = "Adopted: commitment 4 now publishes every school's budget each month."


def participant(username, name):
    from django.contrib.auth import get_user_model

    from apertura.participation.models import Participant

    user = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=name,
                                                email=f"{username}@example.org")
    Participant.objects.create(user=user)
    return user


def administrator():
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apertura.accounts.models import Role

    user = get_user_model().objects.create_user(username="admin", password=PASSWORD, first_name="Admin")
    Role.objects.create(user=user, kind="administrator")
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(page, username, next_url, device=None):
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        from django_otp.oath import totp

        page.get_by_label("Six-digit code").fill(
            f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_register_propose_support_and_answer(new_page, axe):
    from django.core import mail

    from apertura.participation.models import Proposal

    # Registration and the proposal, without JavaScript.
    person = new_page("en", js=False)
    person.goto("/participate/")
    person.get_by_role("link", name="Register to take part").first.click()
    person.get_by_label("Your name").fill("María López")
    person.get_by_label("E-mail address").fill("maria@example.org")
    person.get_by_label("User name").fill("maria")
    person.locator("#id_password").fill(PASSWORD)
    person.get_by_label("Password again").fill(PASSWORD)
    person.get_by_role("button", name="Register").click()
    expect(person.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = re.search(r"http\S+(/accounts/register/confirm/\S+/)", mail.outbox[-1].body).group(1)
    person.goto(link)
    expect(person.get_by_text("Your e-mail address is confirmed.")).to_be_visible()
    sign_in(person, "maria", "/participate/plans/2021-2023/proposals/new/")
    person.get_by_label("Title").fill("Open school budgets")
    person.get_by_label("What problem should the plan address?").fill("Parents cannot see school budgets.")
    person.get_by_label("What do you propose?").fill("Too short")
    person.get_by_label("Department").select_option("16")
    person.get_by_role("button", name="Send the proposal").click()
    expect(person.get_by_label("Title")).to_have_value("Open school budgets")  # kept after the error
    person.get_by_label("What do you propose?").fill("Publish every school's budget as open data, monthly.")
    person.get_by_role("button", name="Send the proposal").click()
    expect(person.get_by_text("Your proposal was received")).to_be_visible()
    proposal_url = f"/participate/proposals/{Proposal.objects.get().pk}/"

    # Another participant supports it, with JavaScript (and axe).
    participant("pedro", "Pedro")
    supporter = new_page("en")
    sign_in(supporter, "pedro", proposal_url)
    assert axe(supporter) == [], "axe on the proposal page"
    supporter.get_by_role("button", name="Support this proposal").click()
    expect(supporter.get_by_text("You support this proposal.").first).to_be_visible()

    # An administrator answers it with reasons.
    device = administrator()
    admin = new_page("en")
    sign_in(admin, "admin", proposal_url, device)
    form = admin.locator("form", has=admin.get_by_role("button", name="Publish the response"))
    form.get_by_label("New status").select_option("incorporated")
    form.get_by_label("Public, reasoned response").fill(REASON)
    form.get_by_label("Incorporated into commitment").select_option(index=4)
    assert axe(admin) == [], "axe on the answering form"
    form.get_by_role("button", name="Publish the response").click()
    expect(admin.get_by_text("The response is published.")).to_be_visible()

    # The public reads the answer in Spanish, and the dashboard counts it.
    public = new_page("es", js=False)
    public.goto(proposal_url)
    expect(public.locator("[aria-labelledby=response-heading]")).to_contain_text(REASON)
    public.goto("/participate/plans/2021-2023/inputs/")
    expect(public.locator("table").last).to_contain_text("Alta Verapaz")
    inputs = new_page("en")
    inputs.goto("/participate/plans/2021-2023/inputs/")
    assert axe(inputs) == [], "axe on the inputs dashboard"
    inputs.goto("/participate/plans/2021-2023/proposals/?department=16")
    expect(inputs.get_by_role("link", name="Open school budgets")).to_be_visible()
    assert axe(inputs) == [], "axe on the list of proposals"


def test_a_consultation_comment(new_page, axe):
    from django.utils import timezone

    from apertura.participation.models import ConsultationComment
    from apertura.participation.services import consultation_create

    device = administrator()
    now = timezone.now()
    consultation = consultation_create(
        by=device.user, title="Draft of the 6th plan", purpose="Tell us what to change.",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7),
        document="Introduction.\n\n## Access to information\nPublish budgets.\n\n## Participation\nForums.")
    participant("lucia", "Lucía")

    person = new_page("en", js=False)
    sign_in(person, "lucia", consultation.get_absolute_url())
    section = person.locator("#section-2")
    section.get_by_label("Your comment on this section").fill("Publish them **monthly**, please.")
    section.get_by_role("button", name="Send the comment").click()
    expect(person.get_by_text("Your comment was received.")).to_be_visible()
    expect(person.locator("#section-2 .comment strong", has_text="monthly")).to_be_visible()
    assert ConsultationComment.objects.get().section.title == "Access to information"

    # Feedback on the plan, still without JavaScript: a comment on a commitment, and «was this useful?».
    person.goto("/plans/2021-2023/commitments/4/")
    person.get_by_role("link", name="Comments on this commitment and its milestones").click()
    person.get_by_label("Your comment").fill("Will the data include rural schools?")
    person.get_by_role("button", name="Send the comment").click()
    expect(person.get_by_text("Your comment is published.")).to_be_visible()
    person.get_by_label("No").check()
    person.get_by_label("What could be better? (optional)").fill("A summary at the top")
    person.get_by_role("button", name="Send", exact=True).click()
    expect(person.get_by_text("Thank you for your feedback.")).to_be_visible()

    viewer = new_page("en")
    sign_in(viewer, "lucia", consultation.get_absolute_url())
    assert axe(viewer) == [], "axe on the consultation page with its comment forms"
    viewer.goto("/participate/plans/2021-2023/commitments/4/comments/")
    expect(viewer.get_by_text("Will the data include rural schools?")).to_be_visible()
    assert axe(viewer) == [], "axe on the commitment's comments with their reply forms"

    # Anyone reports the comment, without JavaScript; the administrator sees it in the queue.
    reporter = new_page("en", js=False)
    reporter.goto(consultation.get_absolute_url())
    reporter.get_by_role("link", name="Report this comment").click()
    reporter.get_by_label("What is wrong with it?").fill("It is off topic")
    reporter.get_by_role("button", name="Send the report").click()
    expect(reporter.get_by_text("Moderators will review your report.")).to_be_visible()
    admin = new_page("en")
    sign_in(admin, "admin", "/participate/moderation/", device)
    expect(admin.get_by_text("It is off topic")).to_be_visible()
    assert axe(admin) == [], "axe on the moderation queue"
    admin.goto("/participate/forum/meetings/new/")
    assert axe(admin) == [], "axe on the meeting form"

    public = new_page("en")
    for url in ("/participate/", "/participate/consultations/", "/participate/forum/",
                "/participate/plans/2021-2023/scorecard/", "/accounts/register/"):
        public.goto(url)
        assert axe(public) == [], f"axe on {url}"
