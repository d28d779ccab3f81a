"""Bad input and abuse: sanitised Markdown (an XSS suite), rate limits, honeypot, length limits."""

import pytest
from django.test import Client
from django.urls import reverse

from apertura.participation.models import Proposal

from .xss import PAYLOADS, live_markup

pytestmark = pytest.mark.django_db


def test_the_checker_does_see_live_markup():
    assert live_markup('<a href=" JavaScript:alert(1)">x</a><img src=x onerror=alert(1)><svg></svg>')
    assert not live_markup('<script src="/static/vendor/htmx/htmx.min.js" defer></script><a href="/x">x</a>')


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_render_inert_in_proposals(plan, participant, make_proposal, payload):
    proposal = make_proposal(participant(), title=f"T {payload}"[:200],
                             problem=f"Problem text {payload}", proposal=f"Proposal text {payload}")
    response = Client().get(proposal.get_absolute_url())
    assert response.status_code == 200
    assert live_markup(response.content.decode()) == []


def test_a_whole_xss_suite_in_one_proposal_also_stays_inert_in_the_list_and_dashboard(
        plan, participant, make_proposal):
    text = "\n\n".join(PAYLOADS)
    make_proposal(participant(), title="<script>alert(1)</script>", problem=text, proposal=text)
    for url in (reverse("participation:proposals", args=[plan.slug]),
                reverse("participation:inputs", args=[plan.slug])):
        response = Client().get(url)
        assert response.status_code == 200 and live_markup(response.content.decode()) == [], url


def test_safe_markdown_still_renders(participant, make_proposal):
    proposal = make_proposal(participant(), problem="Some **bold** text and [a link](https://example.org).")
    page = Client().get(proposal.get_absolute_url()).content.decode()
    assert "<strong>bold</strong>" in page and 'href="https://example.org"' in page


def test_proposals_are_rate_limited_per_account(plan, participant, as_user, proposal_data, settings):
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = 2
    client = as_user(participant())
    url = reverse("participation:proposal_new", args=[plan.slug])
    for n in range(2):
        assert client.post(url, {**proposal_data, "title": f"Proposal number {n}"}).status_code == 302
    response = client.post(url, {**proposal_data, "title": "One too many"})
    assert response.status_code == 429
    assert "One too many" in response.content.decode()  # kept for later
    assert Proposal.objects.count() == 2


def test_proposals_are_rate_limited_per_address(plan, participant, as_user, proposal_data, settings):
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS = 2
    url = reverse("participation:proposal_new", args=[plan.slug])
    for n in range(3):  # three accounts, one address
        status = as_user(participant(f"P{n}")).post(url, {**proposal_data, "title": f"Number {n}"}).status_code
        assert status == (302 if n < 2 else 429)
    assert Proposal.objects.count() == 2


def test_the_limits_are_settings_read_at_each_submission(plan, participant, as_user, proposal_data, settings):
    # Parsed from the environment once, at start-up (tests/test_settings_registry.py checks that part).
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = 1
    client = as_user(participant())
    url = reverse("participation:proposal_new", args=[plan.slug])
    assert client.post(url, {**proposal_data, "title": "The first one"}).status_code == 302
    assert client.post(url, {**proposal_data, "title": "The second one"}).status_code == 429
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = 5
    assert client.post(url, {**proposal_data, "title": "The third one"}).status_code == 302


def test_the_honeypot_refuses_the_proposal(plan, participant, as_user, proposal_data):
    response = as_user(participant()).post(reverse("participation:proposal_new", args=[plan.slug]),
                                           {**proposal_data, "website": "buy now"})
    assert response.status_code == 400 and not Proposal.objects.exists()


def test_length_limits(plan, participant, as_user, proposal_data):
    client = as_user(participant())
    url = reverse("participation:proposal_new", args=[plan.slug])
    response = client.post(url, {**proposal_data, "title": "x" * 201, "proposal": "y" * 5001})
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_a_department_outside_the_22_is_refused(plan, participant, as_user, proposal_data):
    response = as_user(participant()).post(reverse("participation:proposal_new", args=[plan.slug]),
                                           {**proposal_data, "department": "23"})
    assert response.status_code == 400 and not Proposal.objects.exists()


def test_supports_are_rate_limited_and_have_a_honeypot(participant, make_proposal, as_user, settings):
    author = participant("Author")
    proposals = [make_proposal(author, title=f"Proposal number {n}") for n in range(3)]
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = 2
    client = as_user(participant("Fan"))

    def support(proposal, **data):
        url = reverse("participation:proposal_support", args=[proposal.pk])
        return client.post(url, {"support": "1", "website": "", **data}, follow=True).content.decode()

    support(proposals[0])
    support(proposals[1])
    support(proposals[0])  # already supported: nothing changes, nothing is counted
    assert "too many contributions" in support(proposals[2]) and not proposals[2].supports.exists()
    bot = as_user(participant("Bot"))
    page = bot.post(reverse("participation:proposal_support", args=[proposals[0].pk]),
                    {"support": "1", "website": "buy now"}, follow=True).content.decode()
    assert "This form could not be accepted." in page and proposals[0].supports.count() == 1


def test_the_same_answer_about_a_page_counts_once(settings):
    from apertura.participation.models import PageFeedback

    client = Client(headers={"accept-language": "en"})
    url = reverse("participation:feedback")
    answer = {"path": "/plans/", "useful": "no", "comment": "Hard to read", "website": ""}
    client.post(url, answer)
    again = client.post(url, answer, follow=True).content.decode()
    assert "You already sent this answer about this page." in again and PageFeedback.objects.count() == 1
    client.post(url, {**answer, "useful": "yes", "comment": ""})  # another answer is another answer
    Client(REMOTE_ADDR="10.7.7.7").post(url, answer)  # and someone else's is theirs
    assert PageFeedback.objects.count() == 3


def test_registration_counts_against_the_address_whoever_calls_it(settings):
    from django.core.exceptions import ValidationError

    from apertura.participation.services import participant_register

    settings.APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS = 1
    participant_register(email="a@example.org", username="a", display_name="A", password="a long test password",
                         address="10.8.8.8")
    with pytest.raises(ValidationError) as refused:
        participant_register(email="b@example.org", username="b", display_name="B",
                             password="a long test password", address="10.8.8.8")
    assert refused.value.code == "rate_limited"
