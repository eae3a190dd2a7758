"""An entry's fields as people know them: the one definition of their labels and limits.

The model's verbose names, the entry form, the official sheet's headers (reviews.sheets.workbook),
the flat export, the import's messages and the entry page all read these. Pure Python, no Django,
so the sheet package can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT_MAX_LENGTH = 1000  # each department text, the memo, a comment or a message (docs/domain.md)


@dataclass(frozen=True)
class EntryField:
    name: str
    label: str  # the sheet's header, the form's label, the export's column
    short_label: str  # where several fields are named in one message


STATUS = EntryField("status", "実施状況", "実施状況")
# On the sheet and the form, the round's own heading (平成28、29年度の実施内容) replaces this label.
IMPLEMENTATION = EntryField("implementation", "実施内容", "実施内容")
EVALUATION = EntryField("evaluation", "担当課による実施内容に対する評価、今後実施する上での課題等", "評価・課題等")
FUTURE_POLICY = EntryField("future_policy", "担当課の今後の方針", "今後の方針")
MEMO = EntryField("memo", "メモ（企画課内部用）", "メモ")

FIELDS: dict[str, EntryField] = {f.name: f for f in (STATUS, IMPLEMENTATION, EVALUATION, FUTURE_POLICY, MEMO)}

# What a department writes, in the sheet's column order: the letter and three texts.
DEPARTMENT_TEXTS = (IMPLEMENTATION.name, EVALUATION.name, FUTURE_POLICY.name)
DEPARTMENT_FIELDS = (STATUS.name, *DEPARTMENT_TEXTS)


def labels(implementation_heading: str = "") -> dict[str, str]:
    """Every field's label by name, with the round's heading for the implementation when given."""
    result = {name: field.label for name, field in FIELDS.items()}
    if implementation_heading:
        result[IMPLEMENTATION.name] = implementation_heading
    return result
