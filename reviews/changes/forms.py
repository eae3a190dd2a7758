"""The guided actions' forms: they read and normalise what the administrator typed; the actions
(reviews.changes) decide whether it may be done."""

from django import forms

from projects.forms import DepartmentField, DepartmentsField, SafeCharField
from projects.models import Department, Project, Strategy
from projects.validators import validate_safe_text
from reviews.rounds.forms import FiscalYearField

REQUIRED = {"required": "入力してください。"}


class _ProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        departments = "、".join(d.name for d in obj.ordered_departments())
        return f"{obj.name}（{obj.policy.goal.strategy.name} ／ {departments}）"


def current_departments():
    return Department.objects.filter(last_year__isnull=True).order_by("name")


def active_projects():
    return (Project.objects.filter(active=True).select_related("policy__goal__strategy")
            .prefetch_related("project_departments__department")
            .order_by("policy__goal__strategy__first_year", "policy__goal__number", "policy__order", "order"))


class ChangeForm(forms.Form):
    """What every change asks: from which fiscal year, and why."""

    year = FiscalYearField(label="適用する年度", error_messages={"required": "適用する年度を入力してください。"},
                           help_text="この年度の評価回から新しい内容で表示します（例: 2019、令和元年度、R1）。"
                                     "それより前の年度の評価回は、これまでの内容のままです。")
    reason = SafeCharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                             validators=[validate_safe_text],
                             error_messages={"required": "理由を入力してください（変更の記録に残ります）。",
                                             "max_length": "理由は1000文字以内で入力してください。"},
                             help_text="例: 令和元年度の組織改正による。変更の記録として残ります。")

    field_order = ["year", "reason"]

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is None:
            raise forms.ValidationError("適用する年度を入力してください。")
        return year


class DepartmentRenameForm(ChangeForm):
    department = DepartmentField(label="名称を変える部署", queryset=current_departments(), error_messages=REQUIRED)
    name = SafeCharField(label="新しい名称", max_length=100, validators=[validate_safe_text], error_messages=REQUIRED)
    field_order = ["department", "name", "year", "reason"]


class DepartmentMergeForm(ChangeForm):
    departments = DepartmentsField(label="統合する部署", queryset=current_departments(),
                                   error_messages={"required": "統合する部署を入力してください。"})
    into = DepartmentField(label="統合先（既存の部署）", queryset=current_departments(), required=False,
                           help_text="統合する部署の一つ（ほかの部署を吸収する）か、別の既存の部署の名称。"
                                     "新しい部署にするときは空欄のまま、下に新しい名称を入力します。")
    new_name = SafeCharField(label="新しい部署の名称", max_length=100, required=False, validators=[validate_safe_text])
    field_order = ["departments", "into", "new_name", "year", "reason"]

    def clean(self):
        data = super().clean()
        if not data.get("into") and not (data.get("new_name") or "").strip() and "departments" in data:
            self.add_error("new_name", "統合先を入力するか、新しい部署の名称を入力してください。")
        return data


class DepartmentSplitForm(ChangeForm):
    department = DepartmentField(label="分割する部署", queryset=current_departments(), error_messages=REQUIRED)
    parts = SafeCharField(label="分割後の部署", widget=forms.Textarea(attrs={"rows": 3}), validators=[validate_safe_text],
                            error_messages=REQUIRED,
                            help_text="1行に1つずつ、2つ以上。既存の部署の名称を書くと、その部署が引き継ぎます。")
    field_order = ["department", "parts", "year", "reason"]

    def part_names(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["parts"].replace("\r\n", "\n").split("\n") if line.strip()]


class SplitAssignmentForm(forms.Form):
    """Which part takes each project, member and sub-unit of the department being split. Each
    choice is the part's name (so reordering the parts' lines keeps what was chosen); a row left
    blank goes to the part chosen under まとめて選ぶ, if any."""

    default = forms.ChoiceField(label="まとめて選ぶ（下で選ばなかったものの引継ぎ先）", required=False)

    def __init__(self, *args, source: Department, parts, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.parts = list(parts)
        choices = [("", "選んでください")] + [(part.name, part.name) for part in self.parts]
        self.fields["default"].choices = [("", "選ばない")] + choices[1:]
        self.groups = {"projects": [], "members": [], "children": []}
        for project in projects:
            self._add("projects", f"project_{project.pk}", f"事業「{project.name}」", choices)
        for membership in source.memberships.select_related("user").order_by("user__username"):
            user = membership.user
            name = f"{user.last_name} {user.first_name}".strip() or user.username
            self._add("members", f"member_{user.pk}", f"職員 {name}（{user.username}）", choices)
        for child in source.children.filter(last_year__isnull=True).order_by("name"):
            self._add("children", f"child_{child.pk}", f"係・センター「{child.name}」", choices)

    def _add(self, group: str, name: str, label: str, choices) -> None:
        self.fields[name] = forms.ChoiceField(
            label=label, choices=choices, required=False,
            error_messages={"invalid_choice": "引き継ぐ部署を選び直してください。"})
        self.groups[group].append(name)

    def group_fields(self) -> list[tuple[str, list]]:
        titles = {"projects": "事業", "members": "職員", "children": "係・センター"}
        return [(titles[group], [self[name] for name in names]) for group, names in self.groups.items() if names]

    def clean(self):
        data = super().clean()
        default = data.get("default")
        for names in self.groups.values():
            for name in names:
                if not data.get(name):
                    if default:
                        data[name] = default
                    elif name not in self.errors:
                        self.add_error(name, "引き継ぐ部署を選んでください（または「まとめて選ぶ」で選んでください）。")
        return data

    def assignments(self, prefix: str) -> dict[int, int]:
        index = {part.name: i for i, part in enumerate(self.parts)}
        return {int(name.removeprefix(prefix)): index[value] for name, value in self.cleaned_data.items()
                if name.startswith(prefix) and value in index}


class ProjectDepartmentsForm(ChangeForm):
    project = _ProjectChoice(label="事業", queryset=active_projects(), empty_label="選んでください", error_messages=REQUIRED)
    lead = DepartmentField(label="新しい主管課", queryset=current_departments(), error_messages=REQUIRED)
    second = DepartmentField(label="新しい担当課（2番目）", queryset=current_departments(), required=False,
                             help_text="なければ空欄。")
    third = DepartmentField(label="新しい担当課（3番目）", queryset=current_departments(), required=False,
                            help_text="なければ空欄。")
    field_order = ["project", "lead", "second", "third", "year", "reason"]


class ProjectRenameForm(ChangeForm):
    project = _ProjectChoice(label="事業", queryset=active_projects(), empty_label="選んでください", error_messages=REQUIRED)
    name = SafeCharField(label="新しい事業名", max_length=200, validators=[validate_safe_text], error_messages=REQUIRED)
    field_order = ["project", "name", "year", "reason"]


class ProjectMergeForm(ChangeForm):
    project = _ProjectChoice(label="統合する事業（終了する方）", queryset=active_projects(), empty_label="選んでください",
                             error_messages=REQUIRED)
    into = _ProjectChoice(label="統合先の事業（続ける方）", queryset=active_projects(), empty_label="選んでください",
                          error_messages=REQUIRED)
    field_order = ["project", "into", "year", "reason"]


class ProjectRetireForm(ChangeForm):
    project = _ProjectChoice(label="終了する事業", queryset=active_projects(), empty_label="選んでください",
                             error_messages=REQUIRED)
    year = FiscalYearField(label="評価に含めなくなる年度", error_messages={"required": "年度を入力してください。"},
                           help_text="この年度の評価回から含めません（前の年度が最後の評価です）。例: 2019、令和元年度。")
    field_order = ["project", "year", "reason"]


class CarryForm(ChangeForm):
    old = forms.ModelChoiceField(label="引き継ぐ総合戦略（今の期間）", queryset=Strategy.objects.order_by("first_year"),
                                 empty_label="選んでください", error_messages=REQUIRED)
    name = SafeCharField(label="新しい総合戦略の名称", max_length=200, validators=[validate_safe_text],
                           error_messages=REQUIRED, help_text="例: 第2期入間市まち・ひと・しごと創生総合戦略")
    code = forms.SlugField(label="URL用の名前", max_length=50, required=False,
                           help_text="公開ページの URL に使う半角英数字（例: senryaku-2020）。空欄なら開始年度から作ります。",
                           error_messages={"invalid": "URL用の名前は半角の英数字・ハイフン・下線で入力してください。"})
    year = FiscalYearField(label="開始年度", error_messages={"required": "開始年度を入力してください。"},
                           help_text="新しい総合戦略の最初の年度（例: 2020、令和2年度）。")
    last_year = FiscalYearField(label="終了年度", required=False, help_text="空欄でも構いません。")
    hierarchy = SafeCharField(
        label="新しい基本目標と基本施策", widget=forms.Textarea(attrs={"rows": 14}), error_messages=REQUIRED,
        validators=[validate_safe_text],
        help_text="基本目標は番号で始まる行（例: 1 働きやすいまちをつくる <しごと応援プロジェクト>）、"
                  "その基本施策は下の字下げした行に1つずつ。今の総合戦略の体系を下書きとして入れています。")
    field_order = ["old", "name", "code", "year", "last_year", "hierarchy", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old"].label_from_instance = lambda s: s.name


class CarryMappingForm(forms.Form):
    """Where each project of the old strategy goes: a new policy, or it ends."""

    def __init__(self, *args, projects, choices, **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", "選んでください"), ("end", "終了する（引き継がない）")] + list(choices)
        for project in projects:
            self.fields[f"project_{project.pk}"] = forms.ChoiceField(
                label=f"{project.policy.goal.number} ／ {project.policy.title} ／ {project.name}", choices=options,
                error_messages={"required": "引継ぎ先を選んでください。", "invalid_choice": "引継ぎ先を選び直してください。"})

    def mapping(self) -> dict[int, str]:
        return {int(name.removeprefix("project_")): ("" if value == "end" else value)
                for name, value in self.cleaned_data.items()}
