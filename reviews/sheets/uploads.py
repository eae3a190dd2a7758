"""The one path every incoming sheet takes: read it, plan its import, apply it, record it.

The department and planning-division screens, the admin, `manage.py import_sheet` and the seed
loader all come through here, so every sheet is checked, previewed and recorded the same way.
On the screens, between preview and confirmation, the file waits in Django's default storage
(the database unless settings.UPLOAD_STORAGE says "files": reviews.sheets.storage), named by a
token signed with SECRET_KEY: any app server with the same key and storage confirms it.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.fiscal_year import fiscal_years_named, format_fiscal_year_with_western
from projects.models import Department, Strategy, person_name
from reviews.models import Round, SheetUpload
from reviews.sheets.loading import ImportResult, import_new_round, import_update
from reviews.sheets.storage import delete_stale
from reviews.sheets.workbook.document import SheetDocument
from reviews.sheets.workbook.reader import Limits, SheetError, read_sheet

PENDING_DIR = "sheets/pending"
TOKEN_SALT = "reviews.sheets.uploads"
TOKEN_MAX_AGE = 60 * 60 * 6  # a preview left open over lunch can still be confirmed
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass
class Upload:
    """What was asked: which round (or which new fiscal year, of which strategy), as whose sheet."""

    round: Round | None
    department: Department | None = None
    fiscal_year: int | None = None  # for loading a sheet as a new round
    strategy: Strategy | None = None  # a new round's strategy when chosen; else the sheet's title says
    allow_new_departments: bool = False
    historical: bool = False


def _context(upload: Upload, by) -> str:
    """What a preview was for: a token confirms exactly that, nothing else."""
    target = f"round:{upload.round.pk}" if upload.round else f"new:{upload.fiscal_year}:{getattr(upload.strategy, 'pk', '')}"
    department = upload.department.pk if upload.department else "city"
    return f"{target}|{department}|{getattr(by, 'pk', None)}"


def stage(content: bytes, original_name: str, context: str) -> str:
    """Keep an uploaded file until it is confirmed; returns the signed token that names it."""
    purge_stale()
    name = default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}.xlsx", ContentFile(content))
    return signing.dumps({"name": name, "original": original_name, "context": context}, salt=TOKEN_SALT)


def staged(token: str, context: str) -> tuple[str, str]:
    """The storage name and original file name behind a token; ValueError if it is not ours or
    was made for another round, department or person."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise ValueError("確認の期限が切れたか、正しくない操作です。もう一度ファイルを選んでください。") from None
    if data.get("context") != context:
        raise ValueError("確認した内容と違う取込みです。もう一度ファイルを選んでください。")
    if not default_storage.exists(data["name"]):
        raise ValueError(already_confirmed(data["name"]) or (
            "確認中のファイルが見つかりません。すでに確定して取り込んだ可能性があります。"
            "取り込んだ内容を一覧で確かめ、取り込まれていなければもう一度ファイルを選んでください。"))
    return data["name"], data["original"]


def already_confirmed(name: str) -> str:
    """What to tell someone confirming a preview that was confirmed already, or ""."""
    done = SheetUpload.objects.filter(staged_name=name).select_related("uploaded_by").first()
    if done is None:
        return ""
    who = f"{person_name(done.uploaded_by)}さん" if done.uploaded_by else "管理者"
    when = timezone.localtime(done.uploaded_at)
    return (f"この入力表は {when:%Y年%-m月%-d日 %H:%M} に{who}が取り込み済みです。"
            "もう一度確定しても何も変わりません。取り込んだ内容は評価の一覧で確かめられます。")


def purge_stale() -> None:
    """Previews nobody confirmed are deleted once their token has expired (they may hold memos)."""
    delete_stale(default_storage, PENDING_DIR, timedelta(seconds=TOKEN_MAX_AGE))


def sheet_limits() -> Limits:
    """How big an incoming sheet may be (settings SHEET_MAX_*), checked before it is parsed."""
    return Limits(rows=settings.SHEET_MAX_ROWS, columns=settings.SHEET_MAX_COLUMNS,
                  member_bytes=settings.SHEET_MAX_PART_MB * 1024 * 1024)


def load_document(upload: Upload, document: SheetDocument, *, by, dry_run: bool, **options) -> ImportResult:
    """Import a sheet already read (or built, as the seed is) without recording a file: a new
    round when ``upload.round`` is None, else an update of that round. ``options`` go to the new
    round's import (the seed's own event comment)."""
    if upload.round is None:
        return import_new_round(document, fiscal_year=upload.fiscal_year, by=by, dry_run=dry_run,
                                allow_new_departments=upload.allow_new_departments,
                                historical=upload.historical, strategy=upload.strategy, **options)
    return import_update(document, upload.round, by=by, department=upload.department, dry_run=dry_run)


def another_years_sheet(upload: Upload, document: SheetDocument) -> str:
    """Why a sheet whose heading names another year than the round it is loaded into is refused
    (「平成30年度の実施内容」 into 令和2年度), or "". A new round would be created under the wrong year;
    an update matched by names would write that year's texts over this one's. A heading that names
    no year is not judged."""
    named = fiscal_years_named(document.implementation_heading)
    if not named:
        return ""
    if upload.round is None:
        if upload.fiscal_year is None or max(named) == upload.fiscal_year:
            return ""
        target = f"{format_fiscal_year_with_western(upload.fiscal_year)}の評価回"
    else:
        expected = fiscal_years_named(upload.round.implementation_heading) or [upload.round.fiscal_year]
        if max(named) == max(expected):
            return ""
        target = f"この評価回（{upload.round.title}）"
    heading = document.implementation_heading
    heading = heading if len(heading) <= 40 else f"{heading[:40]}…"
    return (f"入力表の見出し「{heading}」は{format_fiscal_year_with_western(max(named))}の"
            f"実施内容です。{target}には取り込めません。年度と、取り込む入力表を確かめてください。")


def run(upload: Upload, content: bytes, original_name: str, *, by, dry_run: bool, staged_name: str = "") -> ImportResult:
    """Read the sheet and import it (or only plan it, with ``dry_run``). When applied, the file
    and what it changed are recorded in the same transaction."""
    read = read_sheet(content, filename=original_name, limits=sheet_limits())
    document = read.document or read.partial
    if document is None:
        return ImportResult(errors=read.errors)
    year_problem = another_years_sheet(upload, document)
    if not read.ok:
        if year_problem:
            return ImportResult(errors=[SheetError("", None, None, year_problem), *read.errors])
        # The rows that could be read are still checked (planned, never written), so that a person
        # hears of every error in one upload, not of the next one after fixing the first.
        planned = load_document(upload, document, by=by, dry_run=True)
        # A row the reader refused is told by the reader alone (its over-long text is not quoted again).
        rows = {error.row for error in read.errors}
        more = [error for error in planned.errors if error.row is None or error.row not in rows]
        return ImportResult(errors=sorted([*read.errors, *more], key=lambda error: error.row or 0))
    if year_problem:
        return ImportResult(errors=[SheetError("", None, None, year_problem)])
    with transaction.atomic():
        result = load_document(upload, read.document, by=by, dry_run=dry_run)
        if result.applied:
            SheetUpload.objects.create(
                round=result.round, department=upload.department, original_name=original_name,
                kind=SheetUpload.Kind.NEW_ROUND if upload.round is None else SheetUpload.Kind.UPDATE,
                uploaded_by=by, summary=result.summary(), file=ContentFile(content, name=original_name),
                staged_name=staged_name,
            )
    return result


def preview(upload: Upload, uploaded_file, *, by) -> tuple[ImportResult, str | None]:
    """Check an uploaded file and plan its import; returns the plan and, when it can be applied,
    the token to confirm it with."""
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        return ImportResult(errors=[SheetError("", None, None, "ファイルが大きすぎます（20MB まで）。")]), None
    content = uploaded_file.read()
    result = run(upload, content, uploaded_file.name, by=by, dry_run=True)
    token = stage(content, uploaded_file.name, _context(upload, by)) if result.ok else None
    return result, token


def confirm(upload: Upload, token: str, *, by) -> ImportResult:
    """Apply a previewed upload. Checked again in full: anything changed since the preview is
    caught the same way."""
    name, original = staged(token, _context(upload, by))
    with default_storage.open(name, "rb") as stream:
        content = stream.read()
    try:
        result = run(upload, content, original, by=by, dry_run=False, staged_name=name)
    except IntegrityError:
        # Confirmed at the same moment from another tab or server: that one applied it, this one
        # rolled back whole.
        if message := already_confirmed(name):
            raise ValueError(message) from None
        raise
    if result.applied:
        default_storage.delete(name)
    return result
