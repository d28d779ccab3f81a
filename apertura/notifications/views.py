from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apertura.common.twins import json_twin, requested_format

from .services import notification_mark_read


@login_required
def inbox(request):
    page = Paginator(request.user.notifications.all(), 30).get_page(request.GET.get("page"))
    if requested_format(request) == "json":
        return json_twin({"notifications": [
            {"kind": n.kind, "title": n.title, "body": n.body, "url": n.url, "sent": n.created_at,
             "read": n.read_at} for n in page]})
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    notification_mark_read(user=request.user)
    return redirect("notifications:inbox")
