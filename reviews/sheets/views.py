"""Sheets from the screens: download a department's or the city's 入力表 and upload it back
with a preview, for the people who still prefer to write in Excel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from reviews.access import get_round_for, may_use_city_sheet, may_use_sheet, sheet_departments_for
from reviews.entries import workflow
from reviews.models import SheetUpload
from reviews.sheets import uploads as sheet_uploads
from reviews.sheets.export import sheet_download_response
from reviews.sheets.forms import DownloadForm, SheetChoiceForm, UploadForm


def _page(request, round_, *, upload_form=None, result=None, token=None, department=None, status=200):
    return render(request, "reviews/sheets/sheets.html", {
        "round": round_,
        "download_form": DownloadForm(user=request.user, prefix="download"),
        "upload_form": upload_form or UploadForm(user=request.user, prefix="upload"),
        "result": result, "token": token, "chosen_department": department,
        "accepts_uploads": workflow.accepts_uploads(round_),
        "uploads": SheetUpload.objects.filter(round=round_).select_related("uploaded_by", "department")[:20]
        if may_use_city_sheet(request.user) else
        SheetUpload.objects.filter(round=round_, department__in=sheet_departments_for(request.user))
        .select_related("uploaded_by", "department")[:20],
    }, status=status)


@login_required
def sheet_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_round_for(request.user, pk))


@login_required
def sheet_download(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk)
    form = DownloadForm(request.GET, user=request.user, prefix="download")
    if not form.is_valid():
        messages.error(request, "ダウンロードする入力表を選んでください。")
        return redirect("reviews:round-sheet", pk=round_.pk)
    department = form.cleaned_data["department"]
    if not may_use_sheet(request.user, department):
        raise PermissionDenied("この入力表はダウンロードできません。")
    return sheet_download_response(round_, department, form.cleaned_data.get("with_memo", False), by=request.user)


@login_required
@require_POST
def sheet_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Check an uploaded sheet and show what it would change; nothing is written yet."""
    round_ = get_round_for(request.user, pk)
    form = UploadForm(request.POST, request.FILES, user=request.user, prefix="upload")
    if not form.is_valid():
        return _page(request, round_, upload_form=form, status=400)
    department = form.cleaned_data["department"]
    if not may_use_sheet(request.user, department):
        raise PermissionDenied("この入力表は取り込めません。")
    upload = sheet_uploads.Upload(round=round_, department=department)
    result, token = sheet_uploads.preview(upload, form.cleaned_data["file"], by=request.user)
    return _page(request, round_, upload_form=form, result=result, token=token, department=department)


@login_required
@require_POST
def sheet_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk)
    form = SheetChoiceForm(request.POST, user=request.user, prefix="upload")
    if not form.is_valid():
        messages.error(request, "どの入力表かを選び直してください。")
        return redirect("reviews:round-sheet", pk=round_.pk)
    department = form.cleaned_data["department"]
    if not may_use_sheet(request.user, department):
        raise PermissionDenied("この入力表は取り込めません。")
    try:
        result = sheet_uploads.confirm(sheet_uploads.Upload(round=round_, department=department),
                                       request.POST.get("token", ""), by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("reviews:round-sheet", pk=round_.pk)
    if not result.applied:
        return _page(request, round_, result=result, department=department, status=409)
    messages.success(request, f"入力表を取り込みました（変更 {len(result.changes)} 件）。")
    return redirect("reviews:round-sheet", pk=round_.pk)
