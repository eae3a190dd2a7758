"""Read a filled-in 実施事業評価等入力表 (.xlsx) back into a SheetDocument, collecting every error.

Pure: never touches the database. The database layer compares the returned document with what it
holds (departments, entries, versions) and decides what an upload may change.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import defusedxml  # noqa: F401  -- a hard dependency: openpyxl parses uploads safely only with it
import defusedxml.ElementTree as ET
from defusedxml import DTDForbidden, EntitiesForbidden
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from projects.text import normalize_name, normalize_text, unsafe_character_message

from . import layout
from .document import SheetDocument, SheetGoal, SheetPolicy, SheetProject
from .normalize import normalize_header

__all__ = ["ReadResult", "SheetError", "normalize_name", "read_sheet", "split_departments"]

CONTENT_TYPES_MAX_BYTES = 1024 * 1024  # a real one is a few kB; read only this much of it
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, and any password-protected (encrypted) Office file
ZIP_MAGIC = b"PK\x03\x04"

_SAVE_AS_XLSX = (
    "Excel で開き、「名前を付けて保存」で「Excel ブック (*.xlsx)」を選んで保存し直してから、"
    "もう一度アップロードしてください。"
)
_FORMULA_TYPES = (ArrayFormula, DataTableFormula)


@dataclass(frozen=True)
class SheetError:
    sheet: str  # worksheet name, '' for a problem with the whole file
    row: int | None
    column: str | None  # column letter as Excel shows it
    message: str  # Japanese, says how to fix it

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"シート「{self.sheet}」")
        if self.row is not None:
            where.append(f"{self.row}行目")
        if self.column:
            where.append(f"{self.column}列")
        return f"{' '.join(where)}: {self.message}" if where else self.message


@dataclass
class ReadResult:
    document: SheetDocument | None  # None whenever there is an error: imports are all-or-nothing
    errors: list[SheetError] = field(default_factory=list)
    # With errors found in rows (a text too long, a name that cannot be read): what could be read,
    # so that the import's own checks still run on the other rows and every error is told at once.
    # Never imported.
    partial: SheetDocument | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Limits:
    """How big a sheet may be before it is parsed: counted while streaming its XML, since the
    declared dimension may lie (or be A1:XFD1048576 when a clerk formatted whole columns)."""

    rows: int = 20_000  # rows that hold a value, in all the worksheets together
    columns: int = 100  # the right-most column that holds a value
    member_bytes: int = 64 * 1024 * 1024  # one part of the zip, uncompressed
    total_bytes: int = 256 * 1024 * 1024  # all the parts together, uncompressed


def read_sheet(
    source: str | os.PathLike[str] | BinaryIO | bytes, *, filename: str | None = None,
    limits: Limits = Limits(),  # noqa: B008 -- frozen, so one shared default is safe
) -> ReadResult:
    """Read the official sheet from a path, a binary stream (read from its start) or bytes.

    Reads the first visible worksheet whose header row matches the nine official headers, tolerating
    the messy variants people produce (see docs/domain.md), and returns the document or every error found,
    each naming its sheet, row and column. Refuses .xls, .xlsm, password-protected and non-xlsx files
    with a single error asking to save as .xlsx. Raises only for an unreadable path or stream.
    """
    if isinstance(source, (str, os.PathLike)):
        filename = filename or os.fspath(source)
        with open(source, "rb") as f:
            data = f.read()
    elif isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        # An upload may already have been read once (size or type checks): start from the top.
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        data = source.read()

    refusal = _refusal(data, filename) or _too_big(data, limits)
    if refusal:
        return ReadResult(None, [SheetError("", None, None, refusal)])
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it drops (data validation, conditional formats).
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # noqa: BLE001 -- any parse failure means "not a workbook we can read"
        message = "Excel ブックとして開けませんでした。" + _SAVE_AS_XLSX
        return ReadResult(None, [SheetError("", None, None, message)])

    try:
        return _read_workbook(wb)
    finally:
        # A cell points at its sheet and the sheet at its workbook, so a loaded workbook is freed only
        # when the garbage collector next runs, on top of whatever the caller does with the document
        # (a big sheet's import held twice the memory). Emptying the sheets frees the cells now.
        for ws in wb.worksheets:
            ws._cells.clear()


def _read_workbook(wb) -> ReadResult:
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    for ws in visible:
        rows = _sparse_rows(ws)
        found = _find_header(rows)
        if found:
            result = _SheetParser(ws, rows, *found).parse()
            if result.document is not None:
                result.document.download_stamp = _download_stamp(wb)
            return result
    sheet = visible[0].title if visible else ""
    expected = "・".join(layout.header_labels("（実施内容）"))
    return ReadResult(None, [SheetError(sheet, None, None,
                                        f"見出し行（{expected}）が見つかりません。ダウンロードした入力表の"
                                        "見出し行を消したり書き換えたりせずにアップロードしてください。")])


def _download_stamp(wb) -> str:
    for prop in getattr(wb.custom_doc_props, "props", []):
        if prop.name == layout.DOWNLOAD_STAMP_PROPERTY and isinstance(prop.value, str):
            return prop.value.strip()
    return ""


def _refusal(data: bytes, filename: str | None) -> str | None:
    """Return why the bytes are not an .xlsx we read, or None when they are."""
    ext = os.path.splitext(filename or "")[1].lower()
    if data[:4] == OLE_MAGIC:
        return ("古い形式（.xls）またはパスワード付きのファイルは読み込めません。"
                "パスワードを付けている場合は解除してから、" + _SAVE_AS_XLSX)
    if ext == ".xlsm":
        return "マクロ付きのブック（.xlsm）は読み込めません。" + _SAVE_AS_XLSX
    if ext not in ("", ".xlsx") or data[:4] != ZIP_MAGIC:
        return "Excel ブック（.xlsx）ではありません。" + _SAVE_AS_XLSX
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            with archive.open("[Content_Types].xml") as part:
                content_types = _Bounded(part, CONTENT_TYPES_MAX_BYTES).read_all().decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, _TooBig):
        return "Excel ブック（.xlsx）ではありません。" + _SAVE_AS_XLSX
    if "macroEnabled" in content_types or any(n.endswith("vbaProject.bin") for n in names):
        return "マクロ付きのブック（.xlsm）は読み込めません。" + _SAVE_AS_XLSX
    if "spreadsheetml.sheet.main+xml" not in content_types:
        return "Excel ブック（.xlsx）ではありません。" + _SAVE_AS_XLSX
    return None


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW = f"{_MAIN_NS}row"
# The root element's name, after the XML declaration and any comments; a part whose root we cannot
# see in its first bytes is parsed in full, so padding cannot hide a worksheet.
_SNIFF_BYTES = 64 * 1024
_ROOT_TAG_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_MARKUP_RE = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_VALUE_TAGS = frozenset((f"{_MAIN_NS}v", f"{_MAIN_NS}is", f"{_MAIN_NS}f"))
_CELL_REF_RE = re.compile(r"^([A-Z]{1,3})")
_CHUNK = 1024 * 1024


class _TooBig(Exception):
    pass


# Parts that are never XML; every other part is counted, whatever its name: openpyxl loads a
# worksheet from wherever the workbook's relationships point, so a name decides nothing either.
_NOT_XML = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin", ".vml")


def _too_big(data: bytes, limits: Limits) -> str | None:
    """Why the workbook is too big to read (a Japanese message), or None. Streams every part of
    the zip with a bound on its uncompressed size (and on all of them together), and every XML
    part through defusedxml, counting across the whole workbook the rows and the columns that
    hold values; nothing of the workbook is built."""
    too_large = ("ファイルが大きすぎます（{what}）。入力表のシートだけを残し、不要な行や列を削除してから"
                 "もう一度アップロードしてください。")
    counter = _ValueCounter(limits)
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                with archive.open(info) as part:
                    stream = _Bounded(part, limits.member_bytes)
                    if info.filename.lower().endswith(_NOT_XML):
                        stream.drain()
                    else:
                        problem = counter.count(stream)
                        if problem:
                            return too_large.format(what=problem)
                        stream.drain()
                total += stream.read_bytes
                if total > limits.total_bytes:
                    return too_large.format(what=f"展開すると合計 {limits.total_bytes // (1024 * 1024)}MB を超えます")
    except _TooBig:
        return too_large.format(what=f"展開すると {limits.member_bytes // (1024 * 1024)}MB を超える部分があります")
    except (zipfile.BadZipFile, OSError, EntitiesForbidden, DTDForbidden):
        return "Excel ブック（.xlsx）ではありません。" + _SAVE_AS_XLSX
    return None


class _Bounded:
    """A file-like view of a zip member that refuses to give more than ``limit`` bytes."""

    def __init__(self, stream, limit: int) -> None:
        self.stream, self.limit, self.read_bytes = stream, limit, 0

    def read(self, size: int = _CHUNK) -> bytes:
        chunk = self.stream.read(min(size if size and size > 0 else _CHUNK, _CHUNK))
        self.read_bytes += len(chunk)
        if self.read_bytes > self.limit:
            raise _TooBig
        return chunk

    def read_all(self) -> bytes:
        chunks = []
        while chunk := self.read(_CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


def _root_name(head: bytes) -> bytes | None:
    """The local name of the root element in a part's first bytes, or None when it cannot be told
    for sure (then the part is parsed in full): comments and processing instructions are removed
    first, so that text inside them cannot pass for the root."""
    visible = _MARKUP_RE.sub(b"", head)
    if b"<!--" in visible or b"<?" in visible:
        return None
    root = _ROOT_TAG_RE.search(visible)
    return root[1].split(b":")[-1] if root else None


class _Replay:
    """A stream that first gives back the bytes already read from it."""

    def __init__(self, head: bytes, rest: _Bounded) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = _CHUNK) -> bytes:
        if self.head:
            chunk, self.head = self.head, b""
            return chunk
        return self.rest.read(size)


class _ValueCounter:
    """Rows and columns that hold values, counted at each row's end over every part."""

    def __init__(self, limits: Limits) -> None:
        self.limits, self.rows = limits, 0

    def count(self, stream: _Bounded) -> str | None:
        head = stream.read(_SNIFF_BYTES)
        if _root_name(head) not in (b"worksheet", None):
            return None  # shared strings, styles …: only decompressed (bounded), not parsed
        try:
            for _event, element in ET.iterparse(_Replay(head, stream), events=("end",)):
                if element.tag != _ROW:
                    continue
                problem = self.row(element)
                element.clear()
                if problem:
                    return problem
        except ET.ParseError:
            return None  # not XML after all (openpyxl will say so if it is a worksheet)
        return None

    def row(self, element) -> str | None:
        column = right_most = 0
        for cell in element:
            match = _CELL_REF_RE.match(cell.get("r", ""))
            # A cell without a reference follows the one before it (the format allows leaving it out).
            column = column_index_from_string(match[1]) if match else column + 1
            for child in cell:
                if child.tag in _VALUE_TAGS:
                    right_most = max(right_most, column)
                    break
        if not right_most:
            return None
        self.rows += 1
        if self.rows > self.limits.rows:
            return f"値の入った行が {self.limits.rows:,} 行を超えています"
        if right_most > self.limits.columns:
            return f"値の入った列が {self.limits.columns} 列を超えています"
        return None


_EXPECTED = [normalize_header(c.header) if c.header is not None else None for c in layout.COLUMNS]
_MEMO_HEADER = normalize_header("メモ")


def _header_offset(values: tuple[Any, ...]) -> tuple[int, bool] | None:
    """Return (0-based column of 基本目標, whether a メモ column follows) if the row is the header."""
    # A header is eight non-empty texts side by side. Checking that first spares normalising every
    # project row's long texts (most of a big sheet's reading time) only to learn it is no header.
    filled = [isinstance(v, str) and v != "" for v in values[:13]]
    if not any(all(filled[offset:offset + 8]) for offset in range(min(len(filled) - 7, 6))):
        return None
    first = _EXPECTED[0]
    for offset in range(min(len(values), 6)):
        value = values[offset]
        if isinstance(value, str) and normalize_header(value) == first:
            break
    else:
        return None
    cells = [normalize_header(v) if isinstance(v, str) else "" for v in values[offset:offset + 9]]
    cells += [""] * (9 - len(cells))
    for expected, actual in zip(_EXPECTED[:8], cells[:8], strict=True):
        if (expected is None and not actual) or (expected is not None and actual != expected):
            return None
    return offset, cells[8] == _MEMO_HEADER


_VALUE_COLUMNS = 32  # the table (at most one column shifted, plus J) lies well within this


def _sparse_rows(ws) -> list[tuple[int, list[Any]]]:
    """Return (row number, cells) for each row that has cells, in order; cells are dense from A.

    ws.iter_rows() walks the whole used rectangle and creates every empty cell in it: one stray
    space in row 1,048,576 would mean a million rows. Only the cells the file holds are visited.
    """
    by_row: dict[int, dict[int, Any]] = {}
    for (r, c), cell in ws._cells.items():
        by_row.setdefault(r, {})[c] = cell
    rows = []
    for r in sorted(by_row):
        cells = by_row[r]
        width = min(max(cells), _VALUE_COLUMNS)
        # Cells past the table are kept at the end so that formulas there are still found.
        rows.append((r, [cells.get(c) for c in range(1, width + 1)]
                     + [cells[c] for c in sorted(cells) if c > width]))
    return rows


def _values(cells: list[Any]) -> tuple[Any, ...]:
    return tuple(c.value if c is not None else None for c in cells[:_VALUE_COLUMNS])


def _find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, int, bool] | None:
    """Return (header row, 0-based offset, has memo) of the worksheet's first header row."""
    for r, cells in rows:
        found = _header_offset(_values(cells))
        if found:
            return (r, *found)
    return None


def _as_text(value: Any) -> str:
    """Return a cell's value as clean text; numbers and dates as they would read in Japanese Excel."""
    if value is None:
        return ""
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


class _SheetParser:
    """One pass over the rows below the header; keeps the current goal and policy."""

    def __init__(self, ws, rows: list[tuple[int, list[Any]]], header_row: int, offset: int,
                 has_memo: bool) -> None:
        self.ws = ws
        self.rows = rows
        self.sheet = ws.title
        self.header_row = header_row
        self.offset = offset  # 0-based column of 基本目標 (0 when the table starts in A)
        self.has_memo = has_memo
        self.heading = layout.DEFAULT_IMPLEMENTATION_HEADING  # column E's label in messages
        self.errors: list[SheetError] = []
        self.goals: list[SheetGoal] = []
        self.goal_by_number: dict[int, SheetGoal] = {}
        self.policy_by_key: dict[tuple[int, str], SheetPolicy] = {}
        self.seen: dict[tuple[int, str, str], int] = {}
        self.goal: SheetGoal | None = None
        self.policy: SheetPolicy | None = None
        # A cell merged down over several project rows (one department for two projects) holds
        # its value in the top cell only; people read it on every row, so the reader does too.
        # Band columns are left alone: a goal merged down column A is one goal, not one per row.
        self.merged_down: dict[tuple[int, int], Any] = {}
        first_project_column = offset + layout.COLUMN_OF["name_code"]
        for merged in ws.merged_cells.ranges:
            if merged.max_row > merged.min_row and merged.min_col >= first_project_column:
                value = ws.cell(merged.min_row, merged.min_col).value
                for r in range(merged.min_row + 1, merged.max_row + 1):
                    self.merged_down[(r, merged.min_col)] = value

    # -- helpers ---------------------------------------------------------------------------------
    def error(self, row: int | None, index: int | None, message: str) -> None:
        """Record an error at a 0-based table column index (relative to 基本目標)."""
        column = get_column_letter(self.offset + index + 1) if index is not None else None
        self.errors.append(SheetError(self.sheet, row, column, message))

    def field_index(self, name: str) -> int:
        return layout.COLUMN_OF[name] - 1

    # -- the pass --------------------------------------------------------------------------------
    def parse(self) -> ReadResult:
        title, label, legend = "", "", []
        heading = ""
        for r, cells in self.rows:
            self.check_cells(r, cells)
            values = _values(cells)
            if r < self.header_row:
                for value in values:
                    text = _as_text(value)
                    if not text:
                        continue
                    if not label and layout.DOCUMENT_LABEL_RE.match(text):
                        label = text
                    elif not title and any(word in text for word in layout.TITLE_WORDS):
                        title = text
                    else:
                        legend.append(text)
            elif r == self.header_row:
                heading = _as_text(values[self.offset + self.field_index("implementation")])
                self.heading = heading
            elif _header_offset(values) is None:  # a header repeated mid-sheet is skipped
                if self.merged_down:
                    values = tuple(self.merged_down.get((r, c), v) for c, v in enumerate(values, start=1))
                self.row(r, values[self.offset:])

        document = SheetDocument(title=title, document_label=label, legend_paragraphs=legend,
                                 implementation_heading=heading, goals=self.goals,
                                 sheet_name=self.sheet, columns=self.columns())
        if self.errors:
            return ReadResult(None, self.errors, partial=document)
        return ReadResult(document)

    def columns(self) -> dict[str, str]:
        """Each field's column letter in this worksheet (the table may start right of A)."""
        letters = {name: get_column_letter(self.offset + index) for name, index in layout.COLUMN_OF.items()}
        letters["entry_ref"] = get_column_letter(self.offset + self.ref_index() + 1)
        return letters

    def check_cells(self, r: int, cells) -> None:
        """Every cell: no control characters, no formulas (the sheet carries only typed text)."""
        for cell in cells:
            if cell is None:
                continue
            if isinstance(cell.value, str) and (unsafe := unsafe_character_message(cell.value)):
                self.errors.append(SheetError(self.sheet, r, cell.column_letter, unsafe))
                continue
            if cell.data_type == "f" or isinstance(cell.value, _FORMULA_TYPES):
                formula = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "") or ""
                self.errors.append(SheetError(
                    self.sheet, r, cell.column_letter,
                    f"数式「{formula[:40]}」が入っています。数式は読み込めません。"
                    "計算結果ではなく文字を直接入力してください（先頭が「=」の文字は、前に「'」を付けます）。"))

    def row(self, r: int, values: tuple[Any, ...]) -> None:
        values = values + (None,) * (layout.ENTRY_REF_COLUMN - len(values))
        # Goal and policy bands: text in the first or second column, merged or not. A row that
        # also has project cells is read as its bands followed by its project.
        for index in (self.field_index("goal"), self.field_index("policy")):
            text = _as_text(values[index])
            if text:
                self.band(r, index, text)
        if any(_as_text(v) for v in values[self.field_index("name_code"):self.ref_index() + 1]):
            self.project(r, values)

    def ref_index(self) -> int:
        # Without a メモ header the hidden reference column follows 担当課 directly.
        return self.field_index("entry_ref") if self.has_memo else self.field_index("memo")

    def band(self, r: int, index: int, text: str) -> None:
        m = layout.GOAL_BAND_RE.match(text)
        if m and (m["sep"] or not m["rest"] or layout.PROJECT_LABEL_RE.match(m["rest"])):
            number = int(unicodedata.normalize("NFKC", m["number"]))
            rest = m["rest"].strip()
            lm = layout.PROJECT_LABEL_RE.match(rest)
            goal_title, label = (lm["title"].strip(), lm["label"].strip()) if lm else (rest, "")
            goal = self.goal_by_number.get(number)
            if goal is None:
                goal = SheetGoal(number=number, title=goal_title, project_label=label, row=r)
                self.goal_by_number[number] = goal
                self.goals.append(goal)
            elif normalize_name(goal.title) != normalize_name(goal_title):
                self.error(r, index, f"基本目標 {number} の名称「{goal_title}」が {goal.row}行目の"
                                     f"「{goal.title}」と異なります。同じ番号の基本目標は同じ名称にしてください。")
            self.goal, self.policy = goal, None
            return
        if self.goal is None:
            self.error(r, index, f"基本施策「{text}」が基本目標の行より前にあります。上に基本目標の行（例:"
                                 "「1 働きやすいまちをつくる <しごと応援プロジェクト>」）を入れてください。")
            return
        key = (self.goal.number, normalize_name(text))
        policy = self.policy_by_key.get(key)
        if policy is None:
            policy = SheetPolicy(title=text, row=r)
            self.policy_by_key[key] = policy
            self.goal.policies.append(policy)
        self.policy = policy

    def text(self, r: int, values: tuple[Any, ...], name: str) -> str:
        index = self.field_index(name)
        text = _as_text(values[index])
        column = layout.COLUMNS[index]
        label = column.header or self.heading
        if len(text) > layout.EXCEL_CELL_LIMIT:
            self.error(r, index, f"{label}が{len(text):,}文字あり、Excel の上限"
                                 f"（{layout.EXCEL_CELL_LIMIT:,}文字）を超えています。短くしてください。")
        elif column.limit is not None and len(text) > column.limit:
            self.error(r, index, f"{label}が{len(text):,}文字あります。"
                                 f"{column.limit:,}文字以内にしてください。")
        return text

    def project(self, r: int, values: tuple[Any, ...]) -> None:
        ok = True
        i_name = self.field_index("name_code")
        raw = values[i_name]
        name = status = category = ""
        if raw is not None and not isinstance(raw, str):
            self.error(r, i_name, f"事業名の欄に数値または日付（{_as_text(raw)}）が入っています。"
                                  "「事業名（改行）A・継続」の形の文字で入力してください。")
            ok = False
        else:
            name, status, category, problem = _parse_name_code(_as_text(raw))
            if len(_as_text(raw)) > layout.EXCEL_CELL_LIMIT:
                problem = problem or (f"事業名が Excel の上限（{layout.EXCEL_CELL_LIMIT:,}文字）"
                                      "を超えています。短くしてください。")
            if problem:
                self.error(r, i_name, problem)
                ok = False

        texts = {name_: self.text(r, values, name_) for name_ in layout.TEXT_FIELDS}
        memo = self.text(r, values, "memo") if self.has_memo else ""
        departments_text = self.text(r, values, "departments")
        departments = split_departments(departments_text)

        entry_id = entry_version = None
        i_ref = self.ref_index()
        ref = _as_text(values[i_ref])
        if ref:
            m = layout.ENTRY_REF_RE.match(ref)
            if m:
                entry_id = int(m["id"])
                entry_version = int(m["version"]) if m["version"] else None
            else:
                self.error(r, i_ref, f"非表示の ID 列の値「{ref[:20]}」が読み取れません。この列は編集せず、"
                                     "ダウンロードした入力表のまま使ってください。")
                ok = False

        if self.goal is None:
            self.error(r, i_name, "事業が基本目標の行より前にあります。事業の行は、"
                                  "基本目標の行と基本施策の行の下に置いてください。")
            return
        if self.policy is None:
            self.error(r, i_name, f"事業が基本目標 {self.goal.number} の下の基本施策の行より前にあります。"
                                  "事業の行の上に基本施策の行を入れてください。")
            return
        if not ok:
            return
        key = (self.goal.number, normalize_name(self.policy.title), normalize_name(name))
        first = self.seen.get(key)
        if first is not None:
            self.error(r, i_name, f"同じ事業「{name}」が {first}行目にもあります。"
                                  "どちらか一方の行を削除してください。")
            return
        self.seen[key] = r
        self.policy.projects.append(SheetProject(
            name=name, status=status, category=category, memo=memo, departments=departments,
            entry_id=entry_id, entry_version=entry_version, row=r, **texts))


_DEPARTMENT_SPLIT = str.maketrans({"、": "\n", ",": "\n", "，": "\n", "､": "\n"})


def split_departments(text: str) -> list[str]:
    """Split a 担当課 cell on line breaks, spaces (half or full width) and 、/, ."""
    return text.translate(_DEPARTMENT_SPLIT).split()


def _parse_name_code(text: str) -> tuple[str, str, str, str | None]:
    """Split `NAME\\nA・継続` into (name, status, category, problem message or None)."""
    example = "「事業名（改行）A・継続」の形"
    if not text:
        return "", "", "", (f"事業名がありません。事業名を{example}で入力するか、"
                            "不要な行なら行ごと削除してください。")
    m = layout.NAME_CODE_RE.match(text)
    if m is None:
        bad = layout.BAD_CATEGORY_RE.match(text)
        if bad and bad["name"].strip():
            return "", "", "", f"区分「{bad['category']}」は「継続」か「新規」にしてください（{example}）。"
        return "", "", "", (f"事業名の後ろに実施状況と区分（例: A・継続）がありません。"
                            f"{example}で入力してください。")
    name = m["name"].strip()
    letter = m["l1"] or m["l2"] or ""
    category = m["c1"] or m["c2"] or m["c3"]
    status = unicodedata.normalize("NFKC", letter).upper()
    if not name:
        return "", "", "", f"事業名がありません。事業名を{example}で入力してください。"
    if status and status not in layout.STATUSES:
        return name, status, category, (f"実施状況「{letter}」は A・B・C・D のいずれかにしてください"
                                        "（A: ほぼ予定通りに実施、B: 予定の一部を実施、"
                                        "C: 実施に向け検討、研究に着手、D: 未実施）。")
    return name, status, category, None
