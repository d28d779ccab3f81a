import pytest
from django.test import Client

PASSWORD = "a long test password"


@pytest.fixture
def plan(fifth_plan):
    """The plan people take part in (tests/conftest.py's fifth_plan; rate limits start fresh with the cache)."""
    return fifth_plan


@pytest.fixture
def participant(make_user):
    """A self-registered, confirmed participant: make a new one with participant("name")."""
    from apertura.participation.models import Participant

    def make(name="Ana"):
        user = make_user()
        user.first_name, user.email = name, f"{user.username}@example.org"
        user.save()
        Participant.objects.create(user=user, affiliation="Colectivo")
        return user

    return make


@pytest.fixture
def as_user():
    """An English-speaking client signed in as a participant (no second factor needed)."""
    def sign_in(user):
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def as_admin(admin, signed_in):
    return signed_in(admin, headers={"accept-language": "en"})


@pytest.fixture
def proposal_data():
    return {"title": "Open the budget of schools",
            "problem": "Parents cannot see what each school receives and spends.",
            "proposal": "Publish every school's budget and spending as open data, monthly.",
            "department": "16", "website": ""}


@pytest.fixture
def make_proposal(plan):
    from apertura.participation.services import proposal_submit

    def make(author, **fields):
        data = {"title": "A proposal title", "problem": "A problem that is long enough to count.",
                "proposal": "A proposal that is long enough to count, really.", "department": "01", **fields}
        return proposal_submit(by=author, plan=plan, **data)

    return make
