from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apertura.common.records import as_json_list
from apertura.common.twins import json_twin, requested_format

from .schemas import NotificationOut
from .selectors import inbox_page
from .services import notification_mark_read


@login_required
def inbox(request):
    page = inbox_page(user=request.user, number=request.GET.get("page"))
    if requested_format(request) == "json":
        return json_twin({"notifications": as_json_list(NotificationOut, page)})
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    notification_mark_read(user=request.user)
    return redirect("notifications:inbox")
