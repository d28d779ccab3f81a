"""Administration of scheduled harvest sources, under /manage/harvest/ (administrators only)."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import HarvestSourceForm
from .harvest import harvest_source_save
from .models import HarvestRun, HarvestSource
from .tasks import harvest_source


def _require_administrator(request) -> None:
    if not rules.has_perm("catalog.manage_harvest", request.user):
        raise PermissionDenied(_("Only administrators configure harvest sources."))


def _save(request, form, source=None):
    try:
        return harvest_source_save(by=request.user, source=source, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return None


@login_required
def source_list(request):
    _require_administrator(request)
    form = HarvestSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = _save(request, form)
        if source is not None:
            messages.success(request, _("Harvest source added: %(url)s.") % {"url": source.url})
            return redirect("catalog:harvest_source", source.pk)
    sources = HarvestSource.objects.select_related("institution").prefetch_related(
        Prefetch("runs", queryset=HarvestRun.objects.order_by("-started")[:1], to_attr="latest"))
    rows = [(source, source.latest[0] if source.latest else None) for source in sources]
    return render(request, "catalog/harvest_sources.html", {"rows": rows, "form": form},
                  status=400 if form.errors else 200)


@login_required
def source_detail(request, pk):
    _require_administrator(request)
    source = get_object_or_404(HarvestSource, pk=pk)
    form = HarvestSourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid() and _save(request, form, source) is not None:
        messages.success(request, _("Harvest source saved."))
        return redirect("catalog:harvest_source", source.pk)
    return render(request, "catalog/harvest_source.html", {
        "source": source, "form": form, "runs": source.runs.all()[:50]}, status=400 if form.errors else 200)


@require_POST
@login_required
def source_run(request, pk):
    _require_administrator(request)
    source = get_object_or_404(HarvestSource, pk=pk)
    harvest_source.enqueue(source.pk)
    messages.success(request, _("The harvest was started; its report appears below when it ends."))
    return redirect("catalog:harvest_source", source.pk)
