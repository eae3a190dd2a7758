"""The one declarative description of the official 実施事業評価等入力表.

Both writer.py and reader.py import this module, so a change of column, label or code format is
made here once. Row numbers are 1-based, column numbers are 1-based (A = 1), as in openpyxl.

Printed layout (writer):
    row 1            title (A..H merged)                                     資料1 (I)
    rows 2..1+n      one legend paragraph per row (A..I merged)
    row 2+n          the nine headers; hidden J holds the entry reference
    then             goal band (A..I merged) `1 働きやすいまちをつくる <しごと応援プロジェクト>`
                     policy band (A..I merged) `しごとの場を創る・しごと探しを支援する`
                     project rows: C = `NAME\\nA・継続`, D..G texts, H departments, I memo, J `id:version`
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

from reviews import fields

# --- document defaults -------------------------------------------------------------------------
# The title is the strategy's name followed by this suffix.
TITLE_SUFFIX = " 実施事業評価等入力表"
DEFAULT_TITLE = "入間市まち・ひと・しごと創生総合戦略" + TITLE_SUFFIX
DEFAULT_DOCUMENT_LABEL = "資料1"
DEFAULT_SHEET_NAME = "入力表"
DEFAULT_IMPLEMENTATION_HEADING = "実施内容"

# Above the header, the reader takes the first text holding one of these words as the title.
TITLE_WORDS = ("入力表", "総合戦略", "実施事業評価")

# --- rows --------------------------------------------------------------------------------------
TITLE_ROW = 1
LEGEND_FIRST_ROW = 2


def header_row_for(legend_count: int) -> int:
    """Return the header row the writer uses when the legend has `legend_count` paragraphs."""
    return LEGEND_FIRST_ROW + legend_count


# --- columns -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    field: str  # SheetProject attribute (or 'goal'/'policy'/'name_code'/'entry_ref')
    header: str | None  # None: the round's own implementation heading
    width: float  # Excel width units (about one half-width character each)
    limit: int | None = None  # characters allowed by the domain, None: only Excel's limit


TEXT_LIMIT = fields.TEXT_MAX_LENGTH  # 事業内容, the three department texts and the memo (docs/domain.md)
EXCEL_CELL_LIMIT = 32767  # Excel refuses longer cell text

COLUMNS: tuple[Column, ...] = (
    Column("goal", "基本目標", 7),
    Column("policy", "基本施策", 7),
    Column("name_code", "事業名※", 26),
    Column("description", "事業内容", 32, TEXT_LIMIT),
    Column("implementation", None, 40, TEXT_LIMIT),
    Column("evaluation", fields.EVALUATION.label, 40, TEXT_LIMIT),
    Column("future_policy", fields.FUTURE_POLICY.label, 34, TEXT_LIMIT),
    Column("departments", "担当課", 14),
    Column("memo", "メモ", 20, TEXT_LIMIT),
)
VISIBLE_COLUMN_COUNT = len(COLUMNS)  # nine printed columns, A..I
# The hidden tenth column (J) ties a row to its database entry: `entry_id:entry_version`.
ENTRY_REF_COLUMN = VISIBLE_COLUMN_COUNT + 1
ENTRY_REF_HEADER = "ID（編集しないでください）"
ENTRY_REF_WIDTH = 12

# 1-based column of each field, for writer and reader alike.
COLUMN_OF: dict[str, int] = {c.field: i for i, c in enumerate(COLUMNS, start=1)}
COLUMN_OF["entry_ref"] = ENTRY_REF_COLUMN
TEXT_FIELDS = ("description", *fields.DEPARTMENT_TEXTS)


def header_labels(implementation_heading: str) -> list[str]:
    """Return the nine header labels with the round's own heading in column E.

    An empty heading becomes `実施内容`, because the reader recognises the header row only when
    column E has a label.
    """
    heading = implementation_heading or DEFAULT_IMPLEMENTATION_HEADING
    return [c.header if c.header is not None else heading for c in COLUMNS]


# --- the 事業名 cell: `NAME\nA・継続` ------------------------------------------------------------
CATEGORIES = ("継続", "新規")
STATUSES = ("A", "B", "C", "D")
NAME_CODE_SEPARATOR = "\n"
STATUS_CATEGORY_SEPARATOR = "・"


def format_name_code(name: str, status: str, category: str) -> str:
    """Return the 事業名 cell: the name, a line break, then `A・継続` (or `継続` without a letter)."""
    code = STATUS_CATEGORY_SEPARATOR.join(part for part in (status, category) if part)
    return f"{name}{NAME_CODE_SEPARATOR}{code}" if code else name


# The code is parsed from the END of the cell because names contain ・ themselves
# (`女性就労情報提供・支援事業 A・継続`). Full-width letters and the usual middle-dot look-alikes
# are accepted; `\s` matches the full-width space too.
_LETTER = r"[A-Za-zＡ-Ｚａ-ｚ]"
_DOT = r"[・･·‧•∙⋅]"
_SEP = r"[\s・･·‧•∙⋅]"
_CATEGORY = "|".join(CATEGORIES)
NAME_CODE_RE = re.compile(
    rf"""^(?P<name>.*?)(?:
        {_SEP}*(?P<l1>{_LETTER})\s*{_DOT}\s*(?P<c1>{_CATEGORY})    # name[sep]A・継続: the dot marks a code
      | (?:^|{_SEP}+)(?P<l2>{_LETTER}){_SEP}*(?P<c2>{_CATEGORY})   # name A継続, name A 継続
      | (?:^|{_SEP}+)(?P<c3>{_CATEGORY})                           # name 継続 (a draft without a letter)
    )\s*$""",
    re.DOTALL | re.VERBOSE,
)
# A code whose category is not 継続/新規 (`A・新設`), so the reader can name the wrong part.
BAD_CATEGORY_RE = re.compile(rf"^(?P<name>.*?){_SEP}*(?P<letter>{_LETTER})\s*{_DOT}\s*(?P<category>\S+)\s*$",
                             re.DOTALL)


# --- bands -------------------------------------------------------------------------------------
def format_goal_band(number: int, title: str, project_label: str) -> str:
    """Return a goal band's text: `1 働きやすいまちをつくる <しごと応援プロジェクト>`."""
    text = f"{number} {title}"
    return f"{text} <{project_label}>" if project_label else text


# A goal band begins with its number (full-width digits too) followed by a separator, or directly
# by its title when a <label> closes the text; anything else is a policy band.
GOAL_BAND_RE = re.compile(r"^(?P<number>[0-9０-９]{1,3})(?P<sep>[\s.．、,，)）:：]*)(?P<rest>.*)$", re.DOTALL)
PROJECT_LABEL_RE = re.compile(r"^(?P<title>.*?)\s*[<＜〈](?P<label>[^<>＜＞〈〉]*)[>＞〉]\s*$", re.DOTALL)

# --- hidden entry reference ----------------------------------------------------------------------
# At most 18 ASCII digits each (what the writer puts there): int() refuses more than 4,300, and a
# longer or other number is a tampered cell, refused as unreadable.
ENTRY_REF_RE = re.compile(r"^\s*(?P<id>[0-9]{1,18})\s*(?::\s*(?P<version>[0-9]{1,18})\s*)?$")


def format_entry_ref(entry_id: int, entry_version: int | None) -> str:
    """Return the hidden column's text, `123:4` (or `123` when the version is unknown)."""
    return f"{entry_id}" if entry_version is None else f"{entry_id}:{entry_version}"


# --- download stamp -------------------------------------------------------------------------------
# Which download a workbook came from, kept outside the table (a custom document property that
# Excel keeps on save), so that a sheet whose hidden column was deleted still says when it was made.
DOWNLOAD_STAMP_PROPERTY = "IrumaSheetDownload"

# --- document label (資料1) -----------------------------------------------------------------------
# The planning division's internal export (with the memo) says 内部資料 where the committee's says
# 資料1: in the top-right cell, the sheet's name and the printed page header, so it cannot be taken
# for the committee's paper. The reader takes either as the label, never as a title.
INTERNAL_DOCUMENT_LABEL = "内部資料"
INTERNAL_SHEET_SUFFIX = "（内部資料）"
INTERNAL_PAGE_HEADER = "内部資料（企画課の内部用メモを含みます。公表・配布しないでください）"
DOCUMENT_LABEL_RE = re.compile(r"^(?:資料\s*[0-9０-９]+|内部資料)\s*$")

# --- fonts and styles ----------------------------------------------------------------------------
FONT_NAME = "ＭＳ ゴシック"  # monospaced, so the row-height estimate below holds when printed
FONT_SIZE = 10
TITLE_FONT_SIZE = 14
SHIFTJIS_CHARSET = 128  # tells Excel the font is a Japanese one even where it is not installed

STYLE_TITLE = "iruma_title"
STYLE_LABEL = "iruma_label"
STYLE_LEGEND = "iruma_legend"
STYLE_HEADER = "iruma_header"
STYLE_GOAL = "iruma_goal"
STYLE_POLICY = "iruma_policy"
STYLE_BODY = "iruma_body"
STYLE_REF = "iruma_ref"


def named_styles() -> list[NamedStyle]:
    """Return fresh NamedStyles for one workbook (openpyxl binds a NamedStyle to its workbook)."""
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    top_left = Alignment(wrap_text=True, vertical="top", horizontal="left")
    band = Alignment(wrap_text=True, vertical="center", horizontal="left")

    def font(size: int = FONT_SIZE, bold: bool = False) -> Font:
        return Font(name=FONT_NAME, size=size, bold=bold, charset=SHIFTJIS_CHARSET)

    return [
        NamedStyle(STYLE_TITLE, font=font(TITLE_FONT_SIZE, bold=True),
                   alignment=Alignment(vertical="center", horizontal="left")),
        NamedStyle(STYLE_LABEL, font=font(TITLE_FONT_SIZE, bold=True),
                   alignment=Alignment(vertical="center", horizontal="right")),
        NamedStyle(STYLE_LEGEND, font=font(), alignment=top_left),
        NamedStyle(STYLE_HEADER, font=font(bold=True), border=box,
                   fill=PatternFill("solid", fgColor="D9D9D9"),
                   alignment=Alignment(wrap_text=True, vertical="center", horizontal="center")),
        NamedStyle(STYLE_GOAL, font=font(bold=True), border=box,
                   fill=PatternFill("solid", fgColor="DDEBF7"), alignment=band),
        NamedStyle(STYLE_POLICY, font=font(bold=True), border=box,
                   fill=PatternFill("solid", fgColor="F2F2F2"), alignment=band),
        NamedStyle(STYLE_BODY, font=font(), border=box, alignment=top_left),
        NamedStyle(STYLE_REF, font=font(), alignment=Alignment(vertical="top")),
    ]


# --- row heights ---------------------------------------------------------------------------------
LINE_HEIGHT_PT = 13.5  # a 10pt line with Excel's leading
ROW_PADDING_PT = 3.0
MIN_ROW_HEIGHT_PT = 18.0
MAX_ROW_HEIGHT_PT = 409.0  # Excel's maximum row height
TOTAL_WIDTH = sum(c.width for c in COLUMNS)


def text_lines(text: str, width: float) -> int:
    """Estimate how many printed lines `text` takes in a wrapped column `width` units wide.

    A full-width character takes two width units and a half-width one; UTF-8 length tells them
    apart cheaply (three bytes for CJK, one for ASCII), which matters for 5,000-row sheets.
    """
    capacity = max(1, int(width) - 1)  # Excel keeps a little padding inside the cell
    lines = 0
    for line in text.split("\n"):
        units = len(line) + (len(line.encode()) - len(line)) // 2
        lines += max(1, -(-units // capacity))
    return lines


def row_height(lines: int, font_size: int = FONT_SIZE) -> float:
    """Return a row height in points that shows `lines` lines of text of the given size."""
    height = lines * LINE_HEIGHT_PT * font_size / FONT_SIZE + ROW_PADDING_PT
    return min(MAX_ROW_HEIGHT_PT, max(MIN_ROW_HEIGHT_PT, height))


# --- print setup ---------------------------------------------------------------------------------
PAPER_SIZE_A3 = 8  # openpyxl Worksheet.PAPERSIZE_A3
ORIENTATION = "landscape"
FIT_TO_WIDTH = 1
FIT_TO_HEIGHT = 0  # as many pages tall as needed
