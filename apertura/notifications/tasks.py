"""Background work: telling followers what changed."""

from django.contrib.contenttypes.models import ContentType
from django_tasks import task

from .selectors import followers
from .services import notify


@task()
def notify_followers(app_label: str, model: str, object_id: int, title: str, body: str, url: str,
                     actor_id: int | None = None) -> int:
    target = ContentType.objects.get_by_natural_key(app_label, model).get_object_for_this_type(pk=object_id)
    users = [f.user for f in followers(target) if f.user_id != actor_id]
    notify(users=users, kind="change", title=title, body=body, url=url)
    return len(users)
