"""Sheets from the screens: download a department's or the city's 入力表 and upload it back
with a preview, for the people who still prefer to write in Excel."""

import re
import unicodedata
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from reviews.access import get_round_for, get_sheet_upload_for, may_use_sheet, sheet_uploads_visible_to
from reviews.entries import workflow
from reviews.sheets import uploads as sheet_uploads
from reviews.sheets.export import XLSX_TYPE, sheet_download_response
from reviews.sheets.forms import DownloadForm, SheetChoiceForm, UploadForm

# What a file name may not carry into a browser's download or a Windows folder.
_PATH_CHARACTERS = re.compile(r'[\\/:*?"<>|]')
_DOWNLOAD_NAME_LENGTH = 120


def _page(request, round_, *, download_form=None, upload_form=None, result=None, token=None, department=None,
          status=200):
    return render(request, "reviews/sheets/sheets.html", {
        "round": round_,
        "download_form": download_form or DownloadForm(user=request.user, prefix="download"),
        "upload_form": upload_form or UploadForm(user=request.user, prefix="upload"),
        "result": result, "token": token, "chosen_department": department,
        "accepts_uploads": workflow.accepts_uploads(round_),
        "uploads": sheet_uploads_visible_to(request.user).filter(round=round_)[:20],
    }, status=status)


def download_name(original: str) -> str:
    """A kept sheet's file name as offered for download: no control or invisible formatting
    characters (a right-to-left override could show "xlsx.exe" as something else), no path or
    characters Windows refuses, not too long, ending in .xlsx (the file always is one)."""
    name = "".join(ch for ch in original
                   if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in ("Zl", "Zp"))
    name = _PATH_CHARACTERS.sub("_", name).strip(" .")
    stem = name[:-5] if name.lower().endswith(".xlsx") else name
    stem = stem[:_DOWNLOAD_NAME_LENGTH].strip(" .") or "入力表"
    return f"{stem}.xlsx"


@login_required
@never_cache
def upload_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A kept sheet, as it was uploaded: for whoever may see that sheet (reviews.access), 404 for
    anyone else (another department cannot even tell it exists). The admin links here too."""
    upload = get_sheet_upload_for(request.user, pk)
    if not upload.file:
        raise Http404("ファイルが保存されていません。")
    try:
        with upload.file.open("rb") as stream:
            content = stream.read()
    except FileNotFoundError:
        raise Http404("ファイルが見つかりません。") from None
    response = FileResponse(BytesIO(content), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, download_name(upload.original_name))
    return response


@login_required
def sheet_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_round_for(request.user, pk))


@login_required
def sheet_download(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk)
    form = DownloadForm(request.GET, user=request.user, prefix="download")
    if not form.is_valid():  # the page again, with what was typed and why it was refused beside it
        messages.error(request, "ダウンロードする入力表を選んでください。")
        return _page(request, round_, download_form=form, status=400)
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
