"""Forms of the planning division's year: list filters, a new round, deadlines."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from projects.fiscal_year import format_date, format_fiscal_year, parse_fiscal_year
from projects.forms import DateField, DepartmentField, SafeCharField
from projects.models import Strategy
from projects.validators import validate_safe_text
from reviews.models import Entry


class EntryFilterForm(forms.Form):
    """Filters on the list pages; every field optional."""

    state = forms.ChoiceField(label="状態", required=False, choices=[("", "すべて"), *Entry.State.choices])
    department = DepartmentField(label="担当課", required=False, choices=())
    goal = forms.TypedChoiceField(label="基本目標", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, departments=(), goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        # (id, name as the round names it): typed, not a select (a big city has ~1,000 departments).
        self.fields["department"].choices = departments if callable(departments) else list(departments)
        self.offers_departments = callable(departments) or bool(self.fields["department"].choices)
        if not self.offers_departments:
            # Not offered (clerks): a department in the address (a reviewer's link passed on) is
            # ignored, rather than refused as an error on a field the page does not show, which
            # also dropped the state and goal asked for.
            del self.fields["department"]
        self.fields["goal"].choices = [("", "すべて"), *goals]  # (goal id, its band text)


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


DEADLINE_YEARS_AHEAD = 3


class DeadlineField(DateField):
    """A deadline people will work to: from today (a past one would make every department late at
    once and send them the late reminder) to a few years ahead (0001-01-01 and 9999-12-31 are typos)."""

    widget = DateInput

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is None:
            return
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(f"{self.label}は今日（{format_date(today)}）以降の日にしてください。")
        if value > today + timedelta(days=366 * DEADLINE_YEARS_AHEAD):
            raise forms.ValidationError(f"{self.label}は{DEADLINE_YEARS_AHEAD}年以内の日にしてください"
                                        f"（入力: {format_date(value)}）。")


class StrategyChoiceForm(forms.Form):
    """Which strategy's next round to create, when several strategies are evaluated that year."""

    strategy = forms.ModelChoiceField(label="どの総合戦略の評価回を作成しますか", queryset=None,
                                      widget=forms.RadioSelect, empty_label=None)

    def __init__(self, *args, following=(), **kwargs):
        super().__init__(*args, **kwargs)
        # following: reviews.rounds.life.NextRound for each strategy that may be chosen
        described = {n.strategy.pk: n for n in following}
        field = self.fields["strategy"]
        field.queryset = Strategy.objects.filter(pk__in=described)
        field.label_from_instance = lambda strategy: _describe_next(described[strategy.pk])


def _describe_next(following) -> str:
    year = format_fiscal_year(following.fiscal_year)
    if following.previous is None:
        return f"{following.strategy.name}（{year}。最初の評価回を、基本目標・基本施策・事業の体系から作成します）"
    return f"{following.strategy.name}（{year}。{following.previous.title} をもとに作成します）"


class RoundCreateForm(forms.Form):
    fiscal_year = FiscalYearField(label="年度", help_text="例: 2019、R1、令和元年度")
    title = SafeCharField(label="表題", max_length=200, validators=[validate_safe_text])
    implementation_heading = SafeCharField(label="実施内容の見出し", max_length=100, validators=[validate_safe_text],
                                             help_text="入力表の5列目の見出しです。例: 令和元年度の実施内容")
    legend = SafeCharField(label="凡例", required=False, widget=forms.Textarea(attrs={"rows": 6}),
                             validators=[validate_safe_text],
                             help_text="段落の間は空行で区切ります。")
    deadline = DeadlineField(label="提出期限", required=False)
    retire = forms.ModelMultipleChoiceField(
        label="終了する事業（チェックした事業は評価の対象から外します）", required=False,
        queryset=None, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retire"].queryset = projects


class DeadlineForm(forms.Form):
    deadline = DeadlineField(label="提出期限")


class ExtensionForm(forms.Form):
    department = DepartmentField(label="担当課", choices=())
    deadline = DeadlineField(label="延長後の提出期限")

    def __init__(self, *args, departments=(), **kwargs):
        # departments: (id, name as the round names it), from reviews.rounds.lists.round_departments
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = list(departments)
