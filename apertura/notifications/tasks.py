"""Background work: the daily deadline digest and telling followers what changed."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.utils.translation import override
from django_tasks import task

from .selectors import deadline_digests
from .services import followers, notify


@task()
def send_deadline_digests(days: int = 14, on: str | None = None) -> int:
    """E-mail each institution editor the milestones of their institutions due within `days` days or overdue."""
    today = dt.date.fromisoformat(on) if on else timezone.localdate()
    sent = 0
    for user, rows in deadline_digests(today=today, days=days):
        with override(getattr(user, "language", None) or "es"):
            lines = [
                f"- {r['number']} ({r['institution']}): "
                + (_("overdue since %(date)s") if r["overdue"] else _("due %(date)s")) % {"date": r["end"]}
                + f" — {r['reported']}% — {r['url']}"
                for r in rows
            ]
            title = ngettext("%(n)s milestone needs a progress report", "%(n)s milestones need a progress report",
                             len(rows)) % {"n": len(rows)}
            notify(users=[user], kind="deadline", title=title, body="\n".join(lines), url="/")
        sent += 1
    return sent


@task()
def notify_followers(app_label: str, model: str, object_id: int, title: str, body: str, url: str,
                     actor_id: int | None = None) -> int:
    target = ContentType.objects.get_by_natural_key(app_label, model).get_object_for_this_type(pk=object_id)
    users = [f.user for f in followers(target) if f.user_id != actor_id]
    notify(users=users, kind="change", title=title, body=body, url=url)
    return len(users)
