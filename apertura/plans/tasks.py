"""Background work: the daily deadline digest, e-mailed to the institutions' editors."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.utils.translation import override
from django_tasks import task

from apertura.notifications.services import notify

from .selectors import deadline_digests


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
