"""Forms for the committee's loop: they validate what people type; reviews.results.opinions and
reviews.results.answers decide what is allowed."""

from django import forms

from projects.forms import DepartmentsField
from projects.models import Department, Goal, Policy, Project
from projects.text import normalize_text
from projects.validators import validate_safe_text
from reviews.entries.forms import LimitedTextField
from reviews.fields import TEXT_MAX_LENGTH
from reviews.models import Opinion, Round

LIMIT_MESSAGE = f"{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 %(show_value)s 文字）。"


def _text(label: str, required: bool) -> LimitedTextField:
    return LimitedTextField(
        label=label, required=required, max_length=TEXT_MAX_LENGTH, validators=[validate_safe_text],
        widget=forms.Textarea(attrs={"rows": 5, "data-limit": TEXT_MAX_LENGTH}),
        error_messages={"max_length": LIMIT_MESSAGE, "required": f"{label}を入力してください。"},
    )


class OpinionForm(forms.Form):
    """A new opinion: its subject (one project, policy or goal of the round), its text, and the
    departments that answer it."""

    subject = forms.ChoiceField(label="意見の対象", choices=Opinion.Subject.choices, widget=forms.RadioSelect,
                                initial=Opinion.Subject.PROJECT,
                                error_messages={"invalid_choice": "意見の対象は、事業・基本施策・基本目標から選んでください。",
                                                "required": "意見の対象（事業・基本施策・基本目標）を選んでください。"})
    project = forms.ModelChoiceField(label="事業（対象が「事業」のとき）", queryset=Project.objects.none(),
                                     required=False, empty_label="選んでください")
    policy = forms.ModelChoiceField(label="基本施策（対象が「基本施策」のとき）", queryset=Policy.objects.none(),
                                    required=False, empty_label="選んでください")
    goal = forms.ModelChoiceField(label="基本目標（対象が「基本目標」のとき）", queryset=Goal.objects.none(),
                                  required=False, empty_label="選んでください")
    text = _text("委員会意見", required=True)
    departments = DepartmentsField(
        label="回答する課", queryset=Department.objects.filter(last_year__isnull=True), required=False,
        help_text="部署名を1行に1つ（または「、」で区切って）入力します。事業への意見で空欄のときは、その事業の担当課が回答します。"
                  "基本施策・基本目標への意見では必ず入力してください。",
    )

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(entries__round=round_).order_by(
            "policy__goal__number", "policy__order", "order")
        self.fields["policy"].queryset = Policy.objects.filter(goal__strategy=round_.strategy).select_related(
            "goal").order_by("goal__number", "order")
        self.fields["goal"].queryset = Goal.objects.filter(strategy=round_.strategy).order_by("number")
        self.fields["policy"].label_from_instance = lambda p: f"{p.goal.number} {p.title}"
        self.fields["goal"].label_from_instance = lambda g: g.band_text

    def clean_text(self) -> str:
        return normalize_text(self.cleaned_data["text"]).strip()

    def clean(self):
        cleaned = super().clean()
        subject = cleaned.get("subject")
        if subject and not cleaned.get(subject) and subject not in self.errors:
            self.add_error(subject, "意見の対象を選んでください。")
        return cleaned

    @property
    def target(self):
        return self.cleaned_data.get(self.cleaned_data["subject"])


class OpinionEditForm(forms.Form):
    text = _text("委員会意見", required=True)
    departments = DepartmentsField(label="回答する課", queryset=Department.objects.filter(last_year__isnull=True),
                                   required=False)

    def clean_text(self) -> str:
        return normalize_text(self.cleaned_data["text"]).strip()


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    text = _text("対応方針", required=False)

    def clean_text(self) -> str:
        return normalize_text(self.cleaned_data["text"])


class AnswerCommentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = _text("コメント", required=False)

    def clean_comment(self) -> str:
        return normalize_text(self.cleaned_data["comment"])
