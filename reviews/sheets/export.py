"""A round from the database as the official sheet's document (see reviews/sheets/workbook/)."""

import io
from typing import BinaryIO

from django.core import signing
from django.http import FileResponse
from django.utils.http import content_disposition_header

from projects.access import with_sub_units
from projects.history import department_name_in
from projects.models import Department
from reviews.access import entries_of_departments
from reviews.facts import facts_of_rows
from reviews.models import Entry, Round, SheetDownload
from reviews.sheets.workbook.document import SheetDocument, SheetGoal, SheetPolicy, SheetProject
from reviews.sheets.workbook.layout import (
    DEFAULT_DOCUMENT_LABEL,
    DEFAULT_SHEET_NAME,
    INTERNAL_DOCUMENT_LABEL,
    INTERNAL_SHEET_SUFFIX,
    TITLE_SUFFIX,
)
from reviews.sheets.workbook.writer import write_sheet


def round_entries(round_: Round, department: Department | None = None):
    """The round's entries (or a department's, its sub-units' included), in the sheet's order."""
    entries = Entry.objects.filter(round=round_).order_by(
        "project__policy__goal__number", "project__policy__order", "project__order"
    )
    if department is not None:
        # A department's sheet holds its sub-units' projects too (their members work on them), and
        # in a year before a reorganisation the projects it, or the departments it took over from, ran then.
        entries = entries.filter(entries_of_departments(d.pk for d in with_sub_units(department)))
    return entries


def round_document(round_: Round, *, department: Department | None = None, with_memo: bool = False) -> SheetDocument:
    """The round (or one department's part of it) as a SheetDocument, in the sheet's order.
    The memo is included only when ``with_memo`` (an internal export for the planning division).
    A published round is written from the facts it captured (reviews/facts.py), never the live
    hierarchy. A department's part is the projects it ran in the round's year (reviews.access)."""
    pairs = facts_of_rows(round_entries(round_, department),
                          "pk", "version", "status", "implementation", "evaluation", "future_policy", "memo")

    goals: dict[int, SheetGoal] = {}
    policies: dict[tuple[int, int], SheetPolicy] = {}
    for facts, row in sorted(pairs, key=lambda pair: pair[0].sheet_order):
        if facts.goal_number not in goals:
            goals[facts.goal_number] = SheetGoal(number=facts.goal_number, title=facts.goal_title,
                                                 project_label=facts.goal_project_label)
        policy_key = (facts.goal_number, facts.policy_order)
        if policy_key not in policies:
            policies[policy_key] = SheetPolicy(title=facts.policy_title)
            goals[facts.goal_number].policies.append(policies[policy_key])
        policies[policy_key].projects.append(
            SheetProject(
                name=facts.project_name,
                status=row["status"],
                category=facts.category_label,
                description=facts.description,
                implementation=row["implementation"],
                evaluation=row["evaluation"],
                future_policy=row["future_policy"],
                departments=list(facts.departments),
                memo=row["memo"] if with_memo else "",
                entry_id=row["pk"],
                entry_version=row["version"],
            )
        )
    sheet_name = department_name_in(department, round_.fiscal_year) if department else DEFAULT_SHEET_NAME
    return SheetDocument(
        title=f"{round_.strategy_name}{TITLE_SUFFIX}",
        # The internal export must never pass for the committee's 資料1.
        document_label=INTERNAL_DOCUMENT_LABEL if with_memo else DEFAULT_DOCUMENT_LABEL,
        legend_paragraphs=round_.legend_paragraphs,
        implementation_heading=round_.implementation_heading,
        goals=list(goals.values()),
        sheet_name=sheet_name + INTERNAL_SHEET_SUFFIX if with_memo else sheet_name,
    )


def export_round(round_: Round, stream: BinaryIO, *, department: Department | None = None,
                 with_memo: bool = False, by=None) -> SheetDownload:
    """Write the round's official sheet (or a department's) to a binary stream, recording the
    download and stamping its identifier into the workbook (docs/domain.md, uploads)."""
    download = SheetDownload.objects.create(round=round_, department=department, with_memo=with_memo,
                                            downloaded_by=by)
    document = round_document(round_, department=department, with_memo=with_memo)
    document.download_stamp = download_stamp(download)
    write_sheet(document, stream, with_memo=with_memo)
    return download


DOWNLOAD_SALT = "reviews.sheets.download"


def download_stamp(download: SheetDownload) -> str:
    """The signed identifier stamped into a downloaded workbook: it cannot be forged or moved."""
    return signing.dumps(download.pk, salt=DOWNLOAD_SALT)


def download_of(stamp: str, round_: Round) -> SheetDownload | None:
    """The download a workbook's stamp names, if the stamp is genuine and of this round."""
    if not stamp:
        return None
    try:
        pk = signing.loads(stamp, salt=DOWNLOAD_SALT)
    except signing.BadSignature:
        return None
    return SheetDownload.objects.filter(pk=pk, round=round_).first()


def sheet_filename(round_: Round, department: Department | None = None, with_memo: bool = False) -> str:
    parts = [round_.file_label, "実施事業評価等入力表"]
    if department is not None:
        parts.append(department_name_in(department, round_.fiscal_year))  # as the sheet inside names it
    if with_memo:
        parts.append("内部資料（メモ付き）")
    return "_".join(parts) + ".xlsx"


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_download_response(round_: Round, department: Department | None, with_memo: bool, *, by) -> FileResponse:
    """The sheet as a download; every screen that offers the sheet answers with this."""
    buffer = io.BytesIO()
    export_round(round_, buffer, department=department, with_memo=with_memo, by=by)
    buffer.seek(0)
    response = FileResponse(buffer, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, sheet_filename(round_, department, with_memo))
    return response
