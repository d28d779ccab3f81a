"""The participant's own account: their profile, their data (to download or to delete), what they follow."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.forms import form_status, submitted
from apertura.common.twins import json_twin
from apertura.notifications.services import follow_set

from .. import selectors, services
from ..forms import DeleteAccountForm, ProfileForm
from .common import found


@login_required
def account(request):
    data = selectors.participant_data(user=request.user)
    form = ProfileForm(request.POST or None, initial={"display_name": data["account"]["display_name"],
                                                      "affiliation": data["account"]["affiliation"]})
    done = submitted(request, form, lambda fields: services.participant_profile_update(user=request.user, **fields))
    if done is not None:
        messages.success(request, _("Your profile is updated."))
        return redirect("participation:account")
    return render(request, "participation/account.html", {"data": data, "form": form}, status=form_status(form))


@login_required
def account_data(request):
    response = json_twin(selectors.participant_data(user=request.user), filename="my-data.json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    del response["Access-Control-Allow-Origin"]
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def account_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if submitted(request, form, lambda data: services.participant_delete(user=request.user)) is not None:
        logout(request)
        messages.success(request, _("Your personal data was deleted. Your public contributions remain, "
                                    "without your name."))
        return redirect("participation:index")
    return render(request, "participation/account_delete.html", {"form": form}, status=form_status(form))


@require_POST
@login_required
def follow(request, kind, pk):
    """Follow a proposal or a consultation: its answers and changes arrive as notifications."""
    target = found(selectors.followable_get, kind=kind, pk=pk)
    following = follow_set(user=request.user, target=target, following=request.POST.get("follow") == "1")
    messages.success(request, _("You are following it: answers and changes will be notified to you.") if following
                     else _("You no longer follow it."))
    return redirect(target)
