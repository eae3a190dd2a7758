"""Sheets from the screens: download a department's or the city's 入力表 and upload it back
with a preview, for the people who still prefer to write in Excel."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from reviews import sheet_uploads
from reviews.access import get_round_for, is_reviewer, may_use_sheet, sheet_departments_for
from reviews.models import SheetUpload
from reviews.sheet_export import sheet_download_response


class SheetChoiceForm(forms.Form):
    department = forms.ModelChoiceField(label="どの入力表か", queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset = sheet_departments_for(user).order_by("name")
        if is_reviewer(user):
            field.empty_label = "市全体（すべての事業）"
        else:
            field.required = True
            field.empty_label = None

    def clean_department(self):
        return self.cleaned_data["department"]


class DownloadForm(SheetChoiceForm):
    with_memo = forms.BooleanField(label="企画課の内部用メモを含める（内部用）", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not is_reviewer(user):
            del self.fields["with_memo"]


class UploadForm(SheetChoiceForm):
    file = forms.FileField(label="入力表ファイル（.xlsx）")


def _page(request, round_, *, upload_form=None, result=None, token=None, department=None, status=200):
    return render(request, "reviews/sheets.html", {
        "round": round_,
        "download_form": DownloadForm(user=request.user, prefix="download"),
        "upload_form": upload_form or UploadForm(user=request.user, prefix="upload"),
        "result": result, "token": token, "chosen_department": department,
        "uploads": SheetUpload.objects.filter(round=round_).select_related("uploaded_by", "department")[:20]
        if is_reviewer(request.user) else
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
    return sheet_download_response(round_, department, form.cleaned_data.get("with_memo", False))


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
