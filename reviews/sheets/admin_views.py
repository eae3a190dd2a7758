"""The official sheet in the admin: download a round's sheet, upload one with preview and
confirmation, and load a sheet as a new round. Used by RoundAdmin."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from projects.access import is_administrator
from reviews.models import Round
from reviews.sheets import uploads as sheet_uploads
from reviews.sheets.export import sheet_download_response
from reviews.sheets.forms import DownloadForm, NewRoundForm, SheetChoiceForm, UploadForm


def download_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=object_id)
    if not model_admin.has_view_permission(request, round_):
        raise PermissionDenied
    form = DownloadForm(request.GET or None, user=request.user)
    if form.is_bound and form.is_valid():
        return sheet_download_response(round_, form.cleaned_data["department"], form.cleaned_data["with_memo"],
                                       by=request.user)
    context = {**model_admin.admin_site.each_context(request), "title": f"入力表のダウンロード（{round_}）",
               "round": round_, "form": form, "opts": model_admin.model._meta, "original": round_}
    return TemplateResponse(request, "admin/reviews/round/sheet_download.html", context)


def _render_upload(model_admin, request, round_, form, result=None, token=None, title=""):
    context = {**model_admin.admin_site.each_context(request), "title": title, "round": round_, "form": form,
               "result": result, "token": token, "opts": model_admin.model._meta, "original": round_}
    return TemplateResponse(request, "admin/reviews/round/sheet_upload.html", context)


def upload_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """Upload a sheet for an existing round: preview first, then confirm."""
    round_ = get_object_or_404(Round, pk=object_id)
    if not model_admin.has_change_permission(request, round_):
        raise PermissionDenied
    title = f"入力表の取込み（{round_}）"
    if request.method == "POST" and "token" in request.POST:
        choice = SheetChoiceForm(request.POST, user=request.user)
        if not choice.is_valid():
            messages.error(request, "どの入力表かを選び直してください。")
            return redirect(request.path)
        upload = sheet_uploads.Upload(round=round_, department=choice.cleaned_data["department"])
        try:
            result = sheet_uploads.confirm(upload, request.POST["token"], by=request.user)
        except ValueError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        if not result.applied:
            return _render_upload(model_admin, request, round_, UploadForm(user=request.user), result=result, title=title)
        messages.success(request, f"取り込みました（変更 {len(result.changes)}件）。")
        return redirect(reverse("admin:reviews_round_change", args=[round_.pk]))
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = sheet_uploads.Upload(round=round_, department=form.cleaned_data["department"])
        result, token = sheet_uploads.preview(upload, form.cleaned_data["file"], by=request.user)
        return _render_upload(model_admin, request, round_, form, result=result, token=token, title=title)
    return _render_upload(model_admin, request, round_, form, title=title)


def _new_round_upload(form: NewRoundForm) -> sheet_uploads.Upload:
    data = form.cleaned_data
    return sheet_uploads.Upload(round=None, fiscal_year=data["fiscal_year"], strategy=data["strategy"],
                                allow_new_departments=data["allow_new_departments"], historical=data["historical"])


def new_round_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Load a sheet as a new round (the hierarchy is matched or created from it): administrators
    only, since it may create goals, policies, projects and departments, or a published round."""
    if not is_administrator(request.user):
        raise PermissionDenied
    form = NewRoundForm(request.POST or None, request.FILES or None)
    result = token = None
    if request.method == "POST" and "token" in request.POST:
        form = NewRoundForm(request.POST)
        form.fields["file"].required = False
        if form.is_valid():
            upload = _new_round_upload(form)
            try:
                result = sheet_uploads.confirm(upload, request.POST["token"], by=request.user)
            except ValueError as error:
                messages.error(request, str(error))
                return redirect(request.path)
            if result.applied:
                messages.success(request, f"{result.round} を作成しました。")
                return redirect(reverse("admin:reviews_round_change", args=[result.round.pk]))
    elif request.method == "POST" and form.is_valid():
        upload = _new_round_upload(form)
        result, token = sheet_uploads.preview(upload, form.cleaned_data["file"], by=request.user)
    context = {**model_admin.admin_site.each_context(request), "title": "入力表から評価回を作成", "form": form,
               "result": result, "token": token, "opts": model_admin.model._meta}
    return TemplateResponse(request, "admin/reviews/round/sheet_new_round.html", context)
