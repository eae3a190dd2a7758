"""KPI screens: a project's actuals saved from its entry page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from reviews.access import get_entry_for
from reviews.entries import workflow
from reviews.entries.views import render_entry
from reviews.kpis.actuals import KpiActualForm, save_entry_kpis
from reviews.models import KpiActual


@login_required
@require_POST
def entry_kpis(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for(request.user, pk)
    actuals = KpiActual.objects.filter(entry=entry).select_related("kpi")
    forms = {a.pk: KpiActualForm.for_actual(a, data=request.POST) for a in actuals}
    if not all(form.is_valid() for form in forms.values()):
        return render_entry(request, entry, status=400, kpi_forms=forms)
    try:
        changed = save_entry_kpis(entry, by=request.user, values={pk: form.cleaned_data for pk, form in forms.items()})
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
        return render_entry(request, get_entry_for(request.user, pk), status=409, kpi_forms=forms)
    messages.success(request, "KPI の実績を保存しました。" if changed else "KPI の実績に変更はありませんでした。")
    return redirect("reviews:entry", pk=entry.pk)
