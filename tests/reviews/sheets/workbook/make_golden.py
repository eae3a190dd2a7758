"""Regenerate the golden sheets in tests/reviews/sheets/workbook/golden/.

Run from the repository root: `python -m tests.reviews.sheets.workbook.make_golden`. The output is byte-for-byte
deterministic (fixed zip timestamps and document dates), so an unchanged writer leaves git clean.

- seed.xlsx: the whole seed round as the writer writes it.
- clean.xlsx: a handful of seed projects (`small_document()`) as the writer writes it.
- messy_*.xlsx: the same projects as people send them back; each must read to clean.xlsx's document.
- defect_*.xlsx: one defect each (defect_two.xlsx has two); see DEFECTS for the row and column.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from reviews.sheets.workbook import layout
from reviews.sheets.workbook.document import SheetDocument, SheetPolicy, document_from_seed
from reviews.sheets.workbook.writer import write_sheet

ROOT = Path(__file__).resolve().parents[4]
SEED = ROOT / "fixtures" / "iruma-fy2017.json"
GOLDEN = Path(__file__).resolve().parent / "golden"

# (goal index, policy index, project indexes): two letters per category, a D, two departments,
# names with ・ inside, texts with line breaks.
SMALL_PICK = [(0, 0, [0, 1]), (0, 1, [4]), (1, 0, [3]), (2, 1, [5])]

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_DATE = "2018-04-01T00:00:00Z"


def seed_document() -> SheetDocument:
    """Return the whole seed round as a SheetDocument."""
    return document_from_seed(json.loads(SEED.read_text(encoding="utf-8")))


def small_document() -> SheetDocument:
    """Return five seed projects under three goals and four policies, each with an entry id."""
    doc = seed_document()
    goals = []
    for gi, pi, indexes in SMALL_PICK:
        source = doc.goals[gi]
        if not goals or goals[-1].number != source.number:
            goal = copy.deepcopy(source)
            goal.policies = []
            goals.append(goal)
        policy = source.policies[pi]
        goals[-1].policies.append(SheetPolicy(policy.title, [copy.deepcopy(policy.projects[i]) for i in indexes]))
    doc.goals = goals
    for n, project in enumerate(doc.projects(), start=1):
        project.entry_id, project.entry_version = 100 + n, n
    return doc


# --- hand-built sheets, the way people send them back -------------------------------------------
Row = list[Any]


def table_rows(
    doc: SheetDocument,
    *,
    name_code: Callable[[int, str, str, str], Any] | None = None,
    text: Callable[[str], str] = lambda s: s,
    departments: Callable[[int, list[str]], str] = lambda i, d: "\n".join(d),
    goal_band: Callable[[int, str, str], str] = layout.format_goal_band,
    band_column: int = 0,
) -> Iterator[tuple[str, Row]]:
    """Yield (kind, row values A..J) for the bands and projects of `doc`; kind is goal/policy/project."""
    i = 0
    for goal in doc.goals:
        band = [None] * 10
        band[band_column] = goal_band(goal.number, goal.title, goal.project_label)
        yield "goal", band
        for policy in goal.policies:
            band = [None] * 10
            band[band_column] = text(policy.title)
            yield "policy", band
            for p in policy.projects:
                cell = (name_code(i, p.name, p.status, p.category) if name_code
                        else layout.format_name_code(p.name, p.status, p.category))
                ref = layout.format_entry_ref(p.entry_id, p.entry_version) if p.entry_id else None
                yield "project", [None, None, cell, text(p.description), text(p.implementation),
                                  text(p.evaluation), text(p.future_policy), departments(i, p.departments),
                                  None, ref]
                i += 1


def head_rows(doc: SheetDocument) -> list[Row]:
    """Title, legend and header rows as the writer lays them out."""
    title: Row = [doc.title] + [None] * 7 + [doc.document_label, None]
    legend = [[p] + [None] * 9 for p in doc.legend_paragraphs]
    return [title, *legend, layout.header_labels(doc.implementation_heading) + [None]]


def build(rows: list[Row], *, merge_bands: bool = False, band_rows: list[int] = ()) -> Workbook:
    """Put plain values in a new workbook (formulas where a value starts with '=')."""
    wb = Workbook()
    ws = wb.active
    ws.title = "入力表"
    for row in rows:
        ws.append(row)
    for r in band_rows if merge_bands else ():
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=9)
    ws.column_dimensions["J"].hidden = True
    return wb


def save(wb_or_bytes: Workbook | bytes, name: str) -> Path:
    """Save deterministically: fixed zip timestamps and fixed document dates."""
    if isinstance(wb_or_bytes, Workbook):
        buffer = io.BytesIO()
        wb_or_bytes.save(buffer)
        data = _deterministic(buffer.getvalue())
    else:
        data = wb_or_bytes
    path = GOLDEN / name
    path.write_bytes(data)
    return path


def _deterministic(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + _FIXED_DATE.encode(),
                                 content)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME), content,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def written(doc: SheetDocument) -> bytes:
    buffer = io.BytesIO()
    write_sheet(doc, buffer)
    return _deterministic(buffer.getvalue())


# --- the messy variants ----------------------------------------------------------------------------
_FULL = str.maketrans("ABCD", "ＡＢＣＤ")


def _messy_letters(i: int, name: str, status: str, category: str) -> str:
    letter = status.translate(_FULL) if i % 2 == 0 else status.lower()  # Ａ・継続, b・新規, ...
    return f"{name}\n{letter}・{category}"


_SEPARATORS = [" ", "・", "", "\u3000", "･"]


def _messy_separators(i: int, name: str, status: str, category: str) -> str:
    return f"{name}{_SEPARATORS[i % len(_SEPARATORS)]}{status}・{category}"


def _messy_spaces(i: int, name: str, status: str, category: str) -> str:
    return f" {name} \r\n {status} ・ {category}  "


def _spaced(text: str) -> str:
    return "  " + text.replace("\n", "\r\n") + " \r\n"


def _spaced_departments(i: int, departments: list[str]) -> str:
    return [" \r\n".join, "、".join, "\u3000".join, ", ".join][i % 4](departments) + " "


def _spaced_goal(number: int, title: str, label: str) -> str:
    return f" {str(number).translate(str.maketrans('0123456789', '０１２３４５６７８９'))}\u3000{title}\r\n＜{label}＞ "


def messy_variants(doc: SheetDocument) -> dict[str, Workbook]:
    """Return each messy variant of `doc` by file name."""
    head = head_rows(doc)
    variants: dict[str, Workbook] = {}

    def sheet(kinds_rows: list[tuple[str, Row]], *, merge: bool = True, extra_head: list[Row] | None = None,
              hidden_first: bool = False) -> Workbook:
        rows = (extra_head if extra_head is not None else head) + [row for _, row in kinds_rows]
        start = len(extra_head if extra_head is not None else head) + 1
        bands = [start + n for n, (kind, _) in enumerate(kinds_rows) if kind in ("goal", "policy")]
        wb = build(rows, merge_bands=merge, band_rows=bands)
        if hidden_first:
            # An older copy of the table, hidden: the reader must skip it.
            old = wb.create_sheet("前回分", 0)
            for row in head + [r for _, r in table_rows(doc, name_code=lambda i, n, s, c: f"{n}\nD・{c}")]:
                old.append(row)
            old.sheet_state = "hidden"
            wb.active = 1
        return wb

    variants["messy_letters.xlsx"] = sheet(list(table_rows(doc, name_code=_messy_letters)))
    variants["messy_separators.xlsx"] = sheet(list(table_rows(doc, name_code=_messy_separators)))
    variants["messy_spaces_crlf.xlsx"] = sheet(list(table_rows(
        doc, name_code=_messy_spaces, text=_spaced, departments=_spaced_departments, goal_band=_spaced_goal)))
    rows = list(table_rows(doc))
    header = ("header", [f" {h.replace('基本', '基本 ')}" for h in layout.header_labels(doc.implementation_heading)]
              + [None])
    variants["messy_repeated_header.xlsx"] = sheet(rows[:4] + [header] + rows[4:])
    variants["messy_bands_in_b.xlsx"] = sheet(list(table_rows(doc, band_column=1)), merge=False)
    variants["messy_hidden_first_sheet.xlsx"] = sheet(rows, hidden_first=True)
    # No title or legend; 資料1 moved to the header's left; the table starts in row 2.
    variants["messy_no_title.xlsx"] = sheet(rows, extra_head=[[None] * 7 + ["資料１"], head[-1]])
    return variants


# --- the defects: file name -> (row, column) of each expected error ---------------------------------
def defect_files(doc: SheetDocument) -> tuple[dict[str, Workbook | bytes], dict[str, list[tuple[int | None, str | None]]]]:
    """Return each defect file (a workbook or raw bytes) and where its errors must point."""
    head = head_rows(doc)
    top = len(head)  # rows before the table
    rows = list(table_rows(doc))
    first_project = next(n for n, (kind, _) in enumerate(rows) if kind == "project")
    at = top + first_project + 1  # sheet row of the first project
    files: dict[str, Workbook | bytes] = {}
    where: dict[str, list[tuple[int | None, str | None]]] = {}

    def variant(name: str, edit: Callable[[list[list[Any]]], None], expected: list[tuple[int | None, str | None]]):
        table = [list(row) for _, row in rows]
        edit(table)
        files[name] = build(head + table)
        where[name] = expected

    def letter_e(t):
        t[first_project][2] = t[first_project][2].replace("\nA・", "\nE・")

    def formula(t):
        t[first_project + 1][3] = "=1+1"

    variant("defect_letter_e.xlsx", letter_e, [(at, "C")])
    variant("defect_project_before_goal.xlsx", lambda t: t.insert(0, list(t[first_project])),
            [(top + 1, "C")])
    variant("defect_empty_name.xlsx", lambda t: t[first_project].__setitem__(2, None), [(at, "C")])
    variant("defect_duplicate_project.xlsx", lambda t: t.insert(first_project + 1, list(t[first_project])),
            [(at + 1, "C")])
    variant("defect_too_long.xlsx", lambda t: t[first_project].__setitem__(5, "あ" * 1001), [(at, "F")])
    variant("defect_formula.xlsx", formula, [(at + 1, "D")])
    variant("defect_number_in_name.xlsx", lambda t: t[first_project].__setitem__(2, 12345), [(at, "C")])
    variant("defect_two.xlsx", lambda t: (letter_e(t), formula(t)), [(at, "C"), (at + 1, "D")])
    # An OLE compound file header (.xls, or any password-protected workbook), and a text file.
    files["defect_ole.xlsx"] = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    where["defect_ole.xlsx"] = [(None, None)]
    files["defect_text.xlsx"] = "基本目標,基本施策,事業名※\n1,しごと,テスト\n".encode()
    where["defect_text.xlsx"] = [(None, None)]
    return files, where


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    save(written(seed_document()), "seed.xlsx")
    small = small_document()
    save(written(small), "clean.xlsx")
    for name, wb in messy_variants(small).items():
        save(wb, name)
    files, _ = defect_files(small)
    for name, content in files.items():
        save(content, name)
    for path in sorted(GOLDEN.iterdir()):
        print(f"{path.stat().st_size:>8}  {path.name}")


if __name__ == "__main__":
    main()
