"""Choosing a department by typing its name: a big city has nearly a thousand departments, too
many for a select (or a page of checkboxes). The name is matched on the server the way the sheet
matches names (NFKC, spaces ignored, projects.text.normalize_name): an exact name, or a part of a
name that fits one department only. It needs no script, and the error says what was found."""

import re
import unicodedata
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator

from projects.models import Department
from projects.text import normalize_name, unsafe_character_message
from projects.validators import parse_kpi_number, validate_safe_text

MAX_LISTED = 8  # candidates named in an error before "ほか"
_SEPARATORS = re.compile(r"[\n、，,;；]+")
_NAME_LENGTH = Department._meta.get_field("name").max_length


def name_required(field: forms.Field) -> None:
    """A blank required field says which one (「担当課を入力してください。」), not Django's
    「このフィールドは必須です。」 under every field alike."""
    if field.label and field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
        field.error_messages["required"] = f"{field.label}を入力してください。"


def as_id(text: str) -> int | None:
    """An id or a version number as a form or link carries it, else None (ASCII digits only: "²" is
    a digit to isdigit(), not to int(); at most 18 of them: they fit in 63 bits, and int() refuses
    more than 4,300 digits). Every number read from a request's raw text goes through here."""
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 18 else None


class CountedMaxLengthValidator(MaxLengthValidator):
    """Django's length check, with the counts written as people read them: 1,001 文字, not 1001."""

    def __call__(self, value) -> None:
        count = self.clean(value)
        if self.compare(count, self.limit_value):
            params = {"limit_value": f"{self.limit_value:,}", "show_value": f"{count:,}", "value": value}
            raise ValidationError(self.message, code=self.code, params=params)


class SafeCharField(forms.CharField):
    """A text field that refuses control characters with one message: validate_safe_text's, which
    names U+0000 too (Django's own NUL check, which every CharField adds, would say it twice).
    Its length message may quote %(show_value)s, the count with its comma."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            CountedMaxLengthValidator(v.limit_value) if type(v) is MaxLengthValidator else v
            for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        name_required(self)
        if validate_safe_text not in self.validators:
            self.validators.insert(0, validate_safe_text)


def _check_typed(text: str) -> None:
    """Refuse, before matching, what no department's name can be: control characters (with the
    message every input gives for them) and more characters than a name holds."""
    if problem := unsafe_character_message(text):
        raise ValidationError(problem)
    if len(text) > _NAME_LENGTH:
        raise ValidationError(f"部署名は{_NAME_LENGTH}文字以内で入力してください（入力は{len(text):,}文字です）。")


def match_name(text: str, names: Iterable[tuple[object, str]]) -> object:
    """The key of the one name ``text`` means, from (key, name) pairs; ValidationError otherwise."""
    wanted = normalize_name(text)
    pairs = list(names)
    exact = [key for key, name in pairs if normalize_name(name) == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = [(key, name) for key, name in pairs if wanted and wanted in normalize_name(name)]
    if len(partial) == 1:
        return partial[0][0]
    if not partial:
        raise ValidationError(f"「{text}」という部署は見つかりません。部署名（の一部）を確かめて入力してください。")
    listed = "、".join(name for _, name in partial[:MAX_LISTED]) + (" ほか" if len(partial) > MAX_LISTED else "")
    raise ValidationError(f"「{text}」に当たる部署が{len(partial)}件あります（{listed}）。どれか一つの名称を入力してください。")


class DepartmentField(forms.Field):
    """One department, typed by name. ``choices`` are (id, name as shown) pairs (or a function
    that returns them), or a queryset of departments; the cleaned value is the Department (an id, as older links carry, is accepted too)."""

    widget = forms.TextInput

    def __init__(self, *, choices=None, queryset=None, **kwargs):
        kwargs.setdefault("help_text", "部署名を入力します（一部でも、一つに決まれば構いません）。")
        super().__init__(**kwargs)
        name_required(self)
        self.choices, self.queryset = choices, queryset

    def pairs(self) -> list[tuple[int, str]]:
        if callable(self.choices):  # worked out only when a department is typed (a big city's are many)
            self.choices = list(self.choices())
        if self.choices is not None:
            return list(self.choices)
        return list((self.queryset if self.queryset is not None else Department.objects.all()).values_list("pk", "name"))

    def prepare_value(self, value):
        if isinstance(value, Department):
            return value.name
        key = value if isinstance(value, int) else as_id(value) if isinstance(value, str) else None
        if key is not None:
            return dict(self.pairs()).get(key, value)
        return value

    def to_python(self, value) -> Department | None:
        value = (value or "").strip()
        if not value:
            return None
        _check_typed(value)
        pairs = self.pairs()
        key = as_id(value)
        if key not in dict(pairs):
            key = match_name(value, pairs)
        return Department.objects.get(pk=key)


class LinesTextarea(forms.Textarea):
    """A textarea that also takes a value posted several times (older forms posted one id per checkbox)."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            return "\n".join(values) if values else None
        return data.get(name)


class DepartmentsField(DepartmentField):
    """Several departments, one per line (or separated by 、 or a comma)."""

    widget = LinesTextarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "部署名を1行に1つ（または「、」で区切って）入力します。")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str) or value is None:
            return value
        return "\n".join(d.name if isinstance(d, Department) else str(d) for d in value)

    def to_python(self, value) -> list[Department]:
        if isinstance(value, (list, tuple)):
            value = "\n".join(str(v) for v in value)
        parts = [part.strip() for part in _SEPARATORS.split(value or "") if part.strip()]
        pairs = self.pairs()
        keys, errors = [], []
        for part in parts:
            try:
                _check_typed(part)
                key = as_id(part)
                keys.append(key if key in dict(pairs) else match_name(part, pairs))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        found = {d.pk: d for d in Department.objects.filter(pk__in=keys)}
        return [found[key] for key in dict.fromkeys(keys)]

    def validate(self, value) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


_DATE_SHAPE = re.compile(r"^\s*[0-9]{4}([-/])[0-9]{1,2}\1[0-9]{1,2}\s*$")


class DateField(forms.DateField):
    """A date typed as 2026-12-01 (a browser's date box sends that), with a Japanese message that
    tells a wrong shape from a day that does not exist (2026-02-30)."""

    default_error_messages = {"invalid": "日付は 2026-12-01 の形で入力してください。"}
    # Year first only: Django's defaults also take 12/1/2026, which a person may mean as 12 January.
    input_formats = ["%Y-%m-%d", "%Y/%m/%d"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        name_required(self)

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value)  # ２０２７-０１-１０ typed with an IME
        try:
            return super().to_python(value)
        except ValidationError:
            if isinstance(value, str) and _DATE_SHAPE.match(value):
                raise ValidationError(f"{value.strip()} という日付はありません。月と日を確かめてください。",
                                      code="invalid") from None
            raise


class KpiNumberField(forms.DecimalField):
    """A KPI's figure, read as the KPI sheet and the flat files read it (validators.parse_kpi_number):
    1,234 typed with separators or with full-width digits is the same number everywhere."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = parse_kpi_number(value)
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)


def file_messages(what: str) -> dict[str, str]:
    """A file field's messages naming the file asked for (Django's say only 「このフィールドは必須です。」)."""
    return {
        "required": f"{what}を選んでください。",
        "empty": f"選んだファイルが空です（0バイト）。{what}を選び直してください。",
        "invalid": f"ファイルを受け取れませんでした。{what}をもう一度選んでください。",
        "missing": f"ファイルを受け取れませんでした。{what}をもう一度選んでください。",
    }
