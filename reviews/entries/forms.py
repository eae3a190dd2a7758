"""Forms validate and normalise what people type; reviews.entries.workflow decides what is allowed."""

from django import forms

from projects.forms import SafeCharField
from projects.text import normalize_text
from projects.validators import validate_safe_text
from reviews.fields import DEPARTMENT_FIELDS, DEPARTMENT_TEXTS, FIELDS, TEXT_MAX_LENGTH
from reviews.models import Entry


class LimitedTextField(SafeCharField):
    """A text checked against its limit when saved, never cut by the browser: Django would put the
    limit into maxlength, and a paste past it is then cut without a word. The counter (entry.js)
    reads data-limit instead and warns as the limit is passed."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def _text_field(name: str) -> forms.CharField:
    return LimitedTextField(
        label=FIELDS[name].label,
        required=False,  # a draft may be saved half-written; submitting checks for empty fields
        max_length=TEXT_MAX_LENGTH,
        validators=[validate_safe_text],
        # No maxlength: the browser would cut a paste without a word. The counter warns past the
        # limit, and saving refuses with the count.
        widget=forms.Textarea(attrs={"rows": 8, "data-limit": TEXT_MAX_LENGTH}),
        error_messages={"max_length": f"{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 %(show_value)s 文字）。"},
    )


class EntryForm(forms.Form):
    """The department's letter and three texts, and the version the person started from."""

    version = forms.IntegerField(label="版", widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=FIELDS["status"].label,
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
        initial = {name: getattr(entry, name) for name in DEPARTMENT_FIELDS}
        initial["version"] = entry.version
        return cls(data, initial=initial, implementation_heading=entry.round.implementation_heading)

    @classmethod
    def with_previous_text(cls, entry: Entry, data, name: str, previous: Entry) -> "EntryForm":
        """The form as sent, with ``previous``'s text of ``name`` in that field instead of what was
        typed there: 「前回の内容をここに写す」 without a script. The version is the one sent, so
        a save from this form is checked against what the person opened, as any other save."""
        data = data.copy()
        data[name] = getattr(previous, name)
        return cls.for_entry(entry, data=data)

    def clean(self):
        cleaned = super().clean()
        for name in DEPARTMENT_TEXTS:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = normalize_text(cleaned[name])
        return cleaned

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in DEPARTMENT_FIELDS}

    def text_fields(self) -> list:
        """The three text areas, in the sheet's column order (for the template)."""
        return [self[name] for name in DEPARTMENT_TEXTS]


class CommentForm(forms.Form):
    """A return comment, a reopening reason or an optional approval note."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = LimitedTextField(
        label="コメント",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        validators=[validate_safe_text],
        widget=forms.Textarea(attrs={"rows": 3, "data-limit": TEXT_MAX_LENGTH}),
        error_messages={"max_length": f"{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 %(show_value)s 文字）。"},
    )

    def clean_comment(self) -> str:
        return normalize_text(self.cleaned_data["comment"])


class MemoForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    memo = LimitedTextField(
        label="メモ（企画課内部用・入力表には出ません）",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        validators=[validate_safe_text],
        widget=forms.Textarea(attrs={"rows": 3, "data-limit": TEXT_MAX_LENGTH}),
        error_messages={"max_length": f"{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 %(show_value)s 文字）。"},
    )

    def clean_memo(self) -> str:
        return normalize_text(self.cleaned_data["memo"])
