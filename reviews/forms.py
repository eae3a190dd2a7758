"""Forms validate and normalise what people type; reviews.workflow decides what is allowed."""

from django import forms

from projects.fiscal_year import parse_fiscal_year
from reviews.models import TEXT_MAX_LENGTH, Entry


def normalise_text(value: str) -> str:
    """Line breaks as \\n and no trailing blanks, so the same words compare equal everywhere."""
    return "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def _text_field(name: str) -> forms.CharField:
    return forms.CharField(
        label=Entry._meta.get_field(name).verbose_name,
        required=False,  # a draft may be saved half-written; submitting checks for empty fields
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": TEXT_MAX_LENGTH, "data-counter": "true"}),
        error_messages={"max_length": f"{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 %(show_value)d 文字）。"},
    )


class EntryForm(forms.Form):
    """The department's letter and three texts, and the version the person started from."""

    TEXT_FIELDS = ("implementation", "evaluation", "future_policy")

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label="実施状況",
        choices=Entry.Status.choices,
        widget=forms.RadioSelect,
        required=False,  # chosen by submission time at the latest
    )
    implementation = _text_field("implementation")
    evaluation = _text_field("evaluation")
    future_policy = _text_field("future_policy")
    confirmed = forms.BooleanField(label="確認のうえ、このまま提出します", required=False)

    def __init__(self, *args, implementation_heading: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if implementation_heading:
            self.fields["implementation"].label = implementation_heading

    @classmethod
    def for_entry(cls, entry: Entry, data=None) -> "EntryForm":
        initial = {name: getattr(entry, name) for name in ("status", *cls.TEXT_FIELDS)}
        initial["version"] = entry.version
        return cls(data, initial=initial, implementation_heading=entry.round.implementation_heading)

    def clean(self):
        cleaned = super().clean()
        for name in self.TEXT_FIELDS:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = normalise_text(cleaned[name])
        return cleaned

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in ("status", *self.TEXT_FIELDS)}

    def text_fields(self) -> list:
        """The three text areas, in the sheet's column order (for the template)."""
        return [self[name] for name in self.TEXT_FIELDS]


class CommentForm(forms.Form):
    """A return comment, a reopening reason or an optional approval note."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label="コメント",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX_LENGTH}),
    )

    def clean_comment(self) -> str:
        return normalise_text(self.cleaned_data["comment"])


class MemoForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    memo = forms.CharField(
        label="メモ（企画課内部用・入力表には出ません）",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX_LENGTH}),
    )

    def clean_memo(self) -> str:
        return normalise_text(self.cleaned_data["memo"])


class EntryFilterForm(forms.Form):
    """Filters on the list pages; every field optional."""

    state = forms.ChoiceField(label="状態", required=False, choices=[("", "すべて"), *Entry.State.choices])
    department = forms.TypedChoiceField(label="担当課", required=False, coerce=int, empty_value=None)
    goal = forms.TypedChoiceField(label="基本目標", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, departments=(), goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "すべて"), *[(d.pk, d.name) for d in departments]]
        self.fields["goal"].choices = [("", "すべて"), *[(g.pk, g.band_text) for g in goals]]


class FiscalYearField(forms.CharField):
    """A fiscal year typed as people write it: 2019, R1, 令和元年度 …"""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_fiscal_year(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class DateInput(forms.DateInput):
    input_type = "date"


class RoundCreateForm(forms.Form):
    fiscal_year = FiscalYearField(label="年度", help_text="例: 2019、R1、令和元年度")
    title = forms.CharField(label="表題", max_length=200)
    implementation_heading = forms.CharField(label="実施内容の見出し", max_length=100,
                                             help_text="入力表の5列目の見出しです。例: 令和元年度の実施内容")
    legend = forms.CharField(label="凡例", required=False, widget=forms.Textarea(attrs={"rows": 6}),
                             help_text="段落の間は空行で区切ります。")
    deadline = forms.DateField(label="提出期限", required=False, widget=DateInput)
    retire = forms.ModelMultipleChoiceField(
        label="終了する事業（チェックした事業は評価の対象から外します）", required=False,
        queryset=None, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retire"].queryset = projects


class DeadlineForm(forms.Form):
    deadline = forms.DateField(label="提出期限", widget=DateInput)


class ExtensionForm(forms.Form):
    department = forms.ModelChoiceField(label="担当課", queryset=None)
    deadline = forms.DateField(label="延長後の提出期限", widget=DateInput)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
