"""Who may follow records and keep an inbox, asserted through the services (and a sample through the pages):
anyone signed in with an active account, whatever their role; nobody else, and each refusal is audited."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client

from apertura.audit.models import AuditEvent
from apertura.notifications.models import Follow, Notification
from apertura.notifications.services import follow_set, notification_mark_read
from apertura.plans.models import Commitment

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "monitor RedCiudadana", "editor MINEDUC", "editor MINGOB", "reviewer",
         "administrator"]
SERVICES = {
    #                          anon part mon ed-resp ed-other rev admin
    "notifications.follow":   [0,   1,   1,  1,      1,       1,  1],
    "notifications.read":     [0,   1,   1,  1,      1,       1,  1],
}


def person(role, make_user):
    if role == "anonymous":
        return AnonymousUser()
    if role == "participant":
        return make_user()
    kind, _space, acronym = role.partition(" ")
    return make_user(kind, acronym or None)


def attempt(perm, user, commitment):
    if perm == "notifications.follow":
        return follow_set(user=user, target=commitment, following=True)
    return notification_mark_read(user=user)


@pytest.mark.parametrize("perm", list(SERVICES))
@pytest.mark.parametrize("role", ROLES)
def test_each_service_allows_or_refuses_each_role_and_audits_refusals(role, perm, fifth_plan, make_user):
    user = person(role, make_user)
    commitment = Commitment.objects.get(plan=fifth_plan, number=4)
    if SERVICES[perm][ROLES.index(role)]:
        attempt(perm, user, commitment)
        assert not AuditEvent.objects.filter(action="permission.refused").exists()
        return
    with pytest.raises(PermissionDenied):
        attempt(perm, user, commitment)
    [event] = AuditEvent.objects.filter(action="permission.refused")
    assert event.data["permission"] == perm and event.actor is None
    assert not Follow.objects.exists()


def test_a_deactivated_account_follows_nothing(fifth_plan, make_user):
    user = make_user()
    user.is_active = False
    user.save()
    with pytest.raises(PermissionDenied):
        follow_set(user=user, target=Commitment.objects.get(number=4), following=True)
    assert AuditEvent.objects.get(action="permission.refused").actor == user


def test_each_person_marks_only_their_own_notifications(make_user):
    ana, ben = make_user(), make_user()
    Notification.objects.create(user=ana, kind="change", title="For Ana")
    Notification.objects.create(user=ben, kind="change", title="For Ben")
    assert notification_mark_read(user=ana) == 1
    assert Notification.objects.get(user=ben).read_at is None


def test_through_the_pages_anonymous_people_are_sent_to_sign_in(fifth_plan):
    for url in ("/plans/2021-2023/commitments/4/follow/", "/notifications/read/"):
        response = Client().post(url, {"follow": "1"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert not Follow.objects.exists()
