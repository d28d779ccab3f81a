"""Explore's permission matrix: saving a chart (of a table one may see) and removing a saved one, against every
role, as the rules answer, as the services enforce them (refusals audited) and a sample through HTTP."""

import pytest
import rules
from django.urls import reverse

from apertura.explore.models import SavedChart
from apertura.explore.services import saved_chart_create, saved_chart_delete
from tests.catalog.roles import EDITORS, PUBLISHER, ROLES, check, make_people, refusals

pytestmark = pytest.mark.django_db
PARAMS = {"kind": "bar", "x": "sexo", "aggregate": "count"}


@pytest.fixture
def people(make_user, publisher, institutions):
    """The roles, with MINGOB (the tables' publisher) as the editor's institution."""
    from apertura.accounts.models import Role

    people = make_people(make_user, institutions)
    Role.objects.filter(user=people["editor"]).update(institution=publisher)
    return people


@pytest.fixture
def world(table_of, people):
    published, draft = table_of(), table_of(state="draft")
    chart = SavedChart.objects.create(name="Casos", resource_key=str(published.pk), params=PARAMS,
                                      created_by=people["editor"])
    return {"published": published, "draft": draft, "chart": chart}


MATRIX = [
    ("explore.save_chart", "published", EDITORS),  # any editor or administrator, of a table they see
    ("explore.save_chart", "draft", PUBLISHER),  # a draft's table only its publisher sees
    ("explore.delete_chart", "chart", PUBLISHER),  # whoever saved it (the editor), or an administrator
]


@pytest.mark.parametrize("perm, obj, holders", MATRIX, ids=[f"{p}-{o}" for p, o, _h in MATRIX])
def test_the_rules(people, world, perm, obj, holders):
    assert {role for role in ROLES if rules.has_perm(perm, people[role], world[obj])} == holders


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("obj", ["published", "draft"])
def test_saving_is_enforced_and_refusals_audited(people, world, role, obj):
    holders = EDITORS if obj == "published" else PUBLISHER
    check(lambda: saved_chart_create(by=people[role], name="Mío", resource=world[obj], params=PARAMS),
          "explore.save_chart", role in holders)
    assert SavedChart.objects.filter(name="Mío").exists() == (role in holders)


@pytest.mark.parametrize("role", ROLES)
def test_removing_is_enforced_and_refusals_audited(people, world, role):
    check(lambda: saved_chart_delete(chart=world["chart"], by=people[role]), "explore.delete_chart",
          role in PUBLISHER)
    assert SavedChart.objects.filter(pk=world["chart"].pk).exists() == (role not in PUBLISHER)


@pytest.mark.parametrize("role, status", [("anonymous", 403), ("participant", 403), ("suspended", 403),
                                          ("monitor", 403), ("other_editor", 302), ("administrator", 302)])
def test_saving_through_the_page(people, world, signed_in, client, role, status):
    browser = client if role == "anonymous" else signed_in(people[role])
    response = browser.post(reverse("explore:chart_save", args=[world["published"].pk]), {**PARAMS, "name": "Web"})
    assert response.status_code == status
    assert refusals("explore.save_chart") == (status == 403)
    assert SavedChart.objects.filter(name="Web").exists() == (status == 302)


def test_a_draft_is_not_found_before_anything_is_checked(people, world, signed_in):
    response = signed_in(people["other_editor"]).post(reverse("explore:chart_save", args=[world["draft"].pk]),
                                                      {**PARAMS, "name": "Web"})
    assert response.status_code == 404 and refusals("explore.save_chart") == 0
