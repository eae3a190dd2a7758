"""KPI screens: a project's actuals saved from its entry page; the KPI sheet; a goal's or a policy's actual on
its own page, through the entry's rules."""

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from projects.forms import file_messages
from projects.models import Kpi
from reviews.access import (
    get_entry_for,
    get_kpi_actual_for,
    get_kpi_report_for,
    get_round_for,
    kpi_actuals_visible_to,
    kpi_reports_visible_to,
    rounds_visible_to,
)
from reviews.entries import workflow
from reviews.entries.items import TRANSITIONS
from reviews.entries.views import render_entry
from reviews.kpis.achievement import FORMULA
from reviews.kpis.actuals import KpiActualForm, report_row, save_entry_kpis, stored_values
from reviews.kpis.amendments import AmendmentError, AmendmentForm, record_amendment
from reviews.kpis.reports import RULES_FOR_REPORTS
from reviews.kpis.sheet import apply_kpi_sheet, read_kpi_sheet, sheet_actuals, write_kpi_sheet
from reviews.kpis.trend import trend_chart, trends
from reviews.models import Entry, KpiActual
from reviews.results.forms import AnswerCommentForm
from reviews.sheets import uploads
from reviews.sheets.export import XLSX_TYPE


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


KPI_MESSAGES = {
    "save": "KPI の実績を下書き保存しました。",
    "submit": "KPI の実績を提出しました。企画課の審査を待っています。",
    "withdraw": "KPI の実績の提出を取り下げました。",
    "return": "KPI の実績を差し戻しました。",
    "approve": "KPI の実績を承認しました。",
    "reopen": "KPI の実績の承認を取り消して差し戻しました。",
}


@login_required
def round_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """The goals' and policies' KPI actuals of a round the user reports (or reviews)."""
    round_ = get_round_for(request.user, pk)
    reports = list(kpi_reports_visible_to(request.user).filter(round=round_).select_related("kpi")
                   .order_by("kpi__level", "kpi__order", "kpi_id"))
    return render(request, "reviews/kpis/reports.html", {
        "round": round_, "reports": reports, "unfinished": sum(1 for r in reports if r.state in Entry.UNFINISHED_STATES),
    })


def _render_report(request: HttpRequest, actual: KpiActual, *, form: KpiActualForm | None = None, status: int = 200,
                   comment_error: tuple[str, str] | None = None, amend_form=None) -> HttpResponse:
    rules = RULES_FOR_REPORTS
    actions = {rule.action: rule for rule in rules.available_actions(actual, request.user)}
    events = list(actual.events.select_related("actor"))
    return render(request, "reviews/kpis/report.html", {
        "actual": actual, "actions": actions,
        "row": report_row(actual, request.user, editable="save" in actions, form=form, amend_form=amend_form),
        "transitions": [
            {"rule": actions[a], "error": comment_error[1] if comment_error and comment_error[0] == a else "",
             "typed": request.POST.get("comment", "") if comment_error and comment_error[0] == a else ""}
            for a in TRANSITIONS if a in actions and a != "submit"
        ],
        "events": events, "return_reason": rules.return_reason(actual, events),
        **_trend_context(actual, request.user),
    }, status=status)


def _trend_context(actual: KpiActual, user) -> dict:
    found = trends(Kpi.objects.filter(pk=actual.kpi_id), rounds_visible_to(user))
    trend = found[0]
    return {"trend": trend, "chart": trend_chart(trend, f"kpi-chart-{actual.kpi_id}"), "formula": FORMULA}


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_report(request, get_kpi_report_for(request.user, pk))


@login_required
@require_POST
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the actual as a draft or submit it (saving first): the button says which."""
    actual = get_kpi_report_for(request.user, pk)
    intent = request.POST.get("intent")
    if intent not in ("save", "submit"):
        return HttpResponseBadRequest("不明な操作です。")
    form = KpiActualForm.for_actual(actual, data=request.POST)
    if not form.is_valid():
        return _render_report(request, actual, form=form, status=400)
    values = stored_values(actual.kpi, form.cleaned_data)
    version = form.cleaned_data["version"]
    try:
        if intent == "save":
            RULES_FOR_REPORTS.save(actual, by=request.user, version=version, values=values)
        else:
            RULES_FOR_REPORTS.submit(actual, by=request.user, version=version, values=values)
    except workflow.WorkflowError as error:
        if error.draft_saved:
            messages.info(request, "入力した内容は下書きとして保存しました（まだ提出されていません）。")
        messages.error(request, error.message)
        current = get_kpi_report_for(request.user, pk)
        data = request.POST.copy()
        data[f"kpi-{current.pk}-version"] = str(current.version)
        form = KpiActualForm.for_actual(current, data=data)
        form.is_valid()
        return _render_report(request, current, form=form, status=409)
    messages.success(request, KPI_MESSAGES[intent])
    return redirect("reviews:kpi-report", pk=actual.pk)


@login_required
@require_POST
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actual = get_kpi_report_for(request.user, pk)
    if action not in TRANSITIONS or action == "submit":
        return HttpResponseBadRequest("不明な操作です。")
    form = AnswerCommentForm(request.POST)
    if not form.is_valid():
        if "comment" in form.errors:
            return _render_report(request, actual, status=400, comment_error=(action, " ".join(form.errors["comment"])))
        messages.error(request, "画面を開き直してから、もう一度操作してください。")
        return redirect("reviews:kpi-report", pk=actual.pk)
    comment = form.cleaned_data["comment"]
    if workflow.RULES[action].needs_comment and not comment.strip():
        return _render_report(request, actual, status=400, comment_error=(
            action, "理由を入力してください。担当課に伝わる内容を書いてください（空白だけでは送れません）。"))
    try:
        RULES_FOR_REPORTS.transition(action, actual, by=request.user, version=form.cleaned_data["version"],
                                     comment=comment)
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
        return _render_report(request, get_kpi_report_for(request.user, pk), status=409,
                              comment_error=(action, error.message))
    messages.success(request, KPI_MESSAGES[action])
    return redirect("reviews:kpi-report", pk=actual.pk)


@login_required
@require_POST
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a figure confirmed after the round was published, beside the published one."""
    actual = get_kpi_actual_for(request.user, pk)
    form = AmendmentForm(request.POST, actual=actual)
    back = ("reviews:entry", actual.entry_id) if actual.entry_id else ("reviews:kpi-report", actual.pk)

    def again(status: int) -> HttpResponse:
        if actual.entry_id:
            return render_entry(request, get_entry_for(request.user, actual.entry_id), status=status,
                                kpi_amend_forms={actual.pk: form})
        return _render_report(request, actual, status=status, amend_form=form)

    if not form.is_valid():
        return again(400)
    try:
        record_amendment(actual, by=request.user, **form.cleaned_data)
    except AmendmentError as error:
        form.add_error(None, error.message)
        return again(409)
    messages.success(request, "公表後に確定した実績を記録しました。公表した値はそのまま残り、次の評価回からはこの値で計算します。")
    return redirect(back[0], pk=back[1])


KPI_SHEET_CONTEXT = "kpi-sheet"


def _sheet_context(round_, user) -> str:
    return f"{KPI_SHEET_CONTEXT}:{round_.pk}|{getattr(user, 'pk', None)}"


@login_required
def kpi_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The KPI sheet: download it, fill it in Excel, upload it; a preview before anything is written."""
    round_ = get_round_for(request.user, pk)
    visible = kpi_actuals_visible_to(request.user)
    context = {"round": round_, "count": sheet_actuals(visible, round_).count(), "form": KpiSheetUploadForm()}
    if request.method == "POST":
        form = KpiSheetUploadForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "reviews/kpis/sheet.html", context, status=400)
        upload = form.cleaned_data["file"]
        if upload.size > uploads.MAX_UPLOAD_BYTES:
            form.add_error("file", "ファイルが大きすぎます（20MB まで）。")
            return render(request, "reviews/kpis/sheet.html", context, status=400)
        content = upload.read()
        result = read_kpi_sheet(content, round_, visible, by=request.user)
        context["result"] = result
        if result.ok and result.changes:
            context["token"] = uploads.stage(content, upload.name, _sheet_context(round_, request.user))
        return render(request, "reviews/kpis/sheet.html", context, status=200 if result.ok else 400)
    return render(request, "reviews/kpis/sheet.html", context)


@login_required
def kpi_sheet_download(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk)
    buffer = io.BytesIO()
    write_kpi_sheet(round_, sheet_actuals(kpi_actuals_visible_to(request.user), round_), buffer)
    buffer.seek(0)
    response = FileResponse(buffer, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{round_.file_label}_KPI進捗管理表.xlsx")
    return response


@login_required
@require_POST
def kpi_sheet_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk)
    try:
        name, _original = uploads.staged(request.POST.get("token", ""), _sheet_context(round_, request.user))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("reviews:kpi-sheet", pk=round_.pk)
    with default_storage.open(name, "rb") as stream:
        content = stream.read()
    try:
        result = apply_kpi_sheet(content, round_, kpi_actuals_visible_to(request.user), by=request.user)
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
        return redirect("reviews:kpi-sheet", pk=round_.pk)
    if not result.applied:
        return render(request, "reviews/kpis/sheet.html", {
            "round": round_, "result": result, "form": KpiSheetUploadForm(),
            "count": sheet_actuals(kpi_actuals_visible_to(request.user), round_).count()}, status=409)
    default_storage.delete(name)
    messages.success(request, f"KPI シートから {len(result.changes)} 件の実績を取り込みました。")
    return redirect("reviews:kpi-sheet", pk=round_.pk)


class KpiSheetUploadForm(forms.Form):
    file = forms.FileField(label="記入した KPI シート（.xlsx）",
                           error_messages=file_messages("記入した KPI シート（.xlsx）"))
