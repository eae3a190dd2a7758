"""Flat spreadsheets (CSV/XLSX) for the admin: one row per record, Japanese column names and
natural keys instead of database ids. The official 入力表 has its own reader (reviews.sheets.workbook)."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from import_export import fields, resources, results, widgets

from projects.models import Department, Goal, Kpi, KpiTarget, Policy, Project, ProjectDepartment, Strategy
from projects.text import unsafe_character_message
from projects.validators import parse_kpi_number, validate_kpi_number

DEPARTMENT_SEPARATORS = ("\n", "、", ",")
UNEXPECTED_IMPORT_ERROR = "{what}を取り込めませんでした（詳細はサーバーの記録にあります）。内容を確かめ、直らなければシステム管理者に伝えてください。"

logger = logging.getLogger(__name__)


class FlatImportRefused(Exception):
    """A whole file refused before any row is read, with a message for the import page."""


class FlatValueError(ValueError):
    """A cell our widgets cannot use, with a Japanese message for the import page (a ValueError, so
    that django-import-export reports it as the cell's error)."""


class FlatImportError(results.Error):
    """An error as the import page shows it: our own Japanese message, never the English text of
    an unexpected exception nor a traceback with the server's paths (those go to the log)."""

    traceback = ""

    def __init__(self, error, row=None, number=None):
        if not isinstance(error, FlatImportRefused | FlatValueError):
            logger.error("Flat import failed at row %s", number, exc_info=error)
            error = FlatImportRefused(UNEXPECTED_IMPORT_ERROR.format(what="この行" if number else "ファイル"))
        super().__init__(error, row, number)


def shown(value, limit: int = 30) -> str:
    """A cell's value as an error message quotes it: a few words, not 10,000 characters."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}…（{len(text):,}文字）"


def goal_number(value) -> int:
    """A 基本目標 number as a cell holds it (Excel gives 1.0), else a Japanese ValueError: checked
    before int(), which refuses more than 4,300 digits, and before any query, whose English error
    would reach the page."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit() and 1 <= len(text) <= 2 and int(text) >= 1):
        raise FlatValueError(f"基本目標番号の欄は 1 から 99 までの半角数字で入力してください（「{shown(value)}」は使えません）。")
    return int(text)


class FlatImportResult(results.Result):
    """The import's result, whose refused rows are shown on the page cell by cell: a long cell
    is cut short there (the row is refused anyway), not echoed in full."""

    def append_invalid_row(self, number, row, validation_error):
        short = {column: shown(value, 50) if isinstance(value, str) else value for column, value in row.items()}
        super().append_invalid_row(number, short, validation_error)


class NamedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as a name, with a Japanese error when the name is unknown."""

    def __init__(self, model, field: str, label: str, **kwargs):
        self.label = label
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return super().clean(str(value).strip(), row=row, **kwargs)
        except self.model.DoesNotExist:
            raise FlatValueError(
                f"{self.label}「{shown(value)}」が見つかりません。先に登録するか、綴りを確認してください。"
            ) from None
        except self.model.MultipleObjectsReturned:
            raise FlatValueError(f"{self.label}「{shown(value)}」に当てはまるものが複数あります。") from None


class GoalWidget(NamedForeignKeyWidget):
    """A goal by its number within the strategy named in the row's 総合戦略 column."""

    def __init__(self, **kwargs):
        super().__init__(Goal, field="number", label="基本目標", **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        return Goal.objects.filter(strategy__name=str((row or {}).get("総合戦略", "")).strip())

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        return super().clean(goal_number(value), row=row, **kwargs)


class PolicyWidget(NamedForeignKeyWidget):
    """A policy by its printed text within the goal named in the row's columns."""

    def __init__(self, **kwargs):
        super().__init__(Policy, field="title", label="基本施策", **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        row = row or {}
        return Policy.objects.filter(
            goal__strategy__name=str(row.get("総合戦略", "")).strip(), goal__number=goal_number(row.get("基本目標番号"))
        )


class CategoryWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        labels = {label: key for key, label in Project.Category.choices}
        text = str(value or "").strip()
        if text not in labels:
            raise FlatValueError(f"継続/新規の欄は「継続」か「新規」です（「{shown(text)}」は使えません）。")
        return labels[text]

    def render(self, value, obj=None, **kwargs):
        return Project.Category(value).label if value else ""


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if text in {"はい", "1", "true", "○", "yes"}:
            return True
        if text in {"いいえ", "0", "false", "×", "no", ""}:
            return False
        raise FlatValueError(f"「{shown(value)}」は「はい」か「いいえ」で入力してください。")

    def render(self, value, obj=None, **kwargs):
        return "はい" if value else "いいえ"


class DepartmentListWidget(widgets.Widget):
    """Departments in order, the lead first; a typo is the row's error and never a new department."""

    def clean(self, value, row=None, **kwargs) -> list[Department]:
        names = _split_departments(value)
        if not names:
            raise FlatValueError("担当課を一つ以上入力してください。")
        found = {d.name: d for d in Department.objects.filter(name__in=names)}
        unknown = [n for n in names if n not in found]
        if unknown:
            raise FlatValueError(f"担当課「{'」「'.join(shown(name) for name in unknown[:10])}」が見つかりません。"
                                 "部署を先に登録してください。")
        return [found[n] for n in names]

    def render(self, value, obj=None, **kwargs) -> str:
        return "\n".join(d.name for d in value or [])


class FlatResource(resources.ModelResource):
    """What every flat import shares: a cell with a control character refuses its row, and each
    record is validated as the admin's own form would (lengths, the models' validators)."""

    def get_error_result_class(self):
        return FlatImportError

    def get_result_class(self):
        return FlatImportResult

    def before_import(self, dataset, **kwargs):
        """A file without the columns that name each record is refused as a whole, in Japanese."""
        headers = [str(header) for header in dataset.headers or [] if header is not None]
        needed = [self.fields[name].column_name for name in self.get_import_id_fields() if name in self.fields]
        missing = [column for column in needed if column not in headers]
        if missing:
            found = "、".join(f"「{shown(header)}」" for header in headers[:20]) or "（なし）"
            raise FlatImportRefused(
                f"1行目に列「{'」「'.join(missing)}」がありません。この一覧から書き出したファイルの1行目"
                f"（列名）を使ってください。ファイルの1行目: {found}"
            )

    def before_import_row(self, row, **kwargs):
        problems = [message for column, value in row.items() if isinstance(value, str)
                    and (message := unsafe_character_message(value, str(column)))]
        if problems:
            raise ValidationError(problems)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The row's errors under the file's column names (部署名), not the model's (name), which
        is how the import page labels them."""
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            columns = {field.attribute: field.column_name for field in self.get_import_fields() if field.attribute}
            raise ValidationError({columns.get(name, name): messages
                                   for name, messages in error.error_dict.items()}) from None


class DepartmentResource(FlatResource):
    name = fields.Field(attribute="name", column_name="部署名")
    parent = fields.Field(
        attribute="parent", column_name="上位の部署", widget=NamedForeignKeyWidget(Department, "name", "部署")
    )

    class Meta:
        model = Department
        fields = ("name", "parent")
        import_id_fields = ("name",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # lengths and the models' validators, as the admin's forms

    def get_export_queryset(self, request=None):
        # Parents first, so that the exported file imports in one pass.
        return Department.objects.order_by(F("parent").asc(nulls_first=True), "name")


class JapaneseDecimalWidget(widgets.DecimalWidget):
    def __init__(self, label: str, **kwargs):
        self.label = label
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            # Text cells are read as the KPI form and sheet read them (1,234 and full-width digits).
            number = parse_kpi_number(value) if isinstance(value, str) and value.strip() else super().clean(
                value, row=row, **kwargs)
        except Exception:  # noqa: BLE001 (decimal raises its own kinds)
            raise FlatValueError(f"{self.label}の欄は数字で入力してください（「{shown(value)}」は読めません）。") from None
        try:
            validate_kpi_number(number)  # every decimal column of the flat files is a KPI's figure
        except ValidationError as error:
            raise FlatValueError(f"{self.label}の欄: {error.messages[0]}") from None
        return number


class JapaneseIntegerWidget(widgets.IntegerWidget):
    def __init__(self, label: str, **kwargs):
        self.label = label
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        # Nine digits are more than any year, order or number here needs, and int() stays cheap.
        if value is not None and len(str(value).strip()) > 12:
            raise FlatValueError(f"{self.label}の欄は9桁までの半角の整数で入力してください（「{shown(value)}」は使えません）。")
        try:
            number = super().clean(value, row=row, **kwargs)
        except Exception:  # noqa: BLE001
            raise FlatValueError(f"{self.label}の欄は半角の整数で入力してください（「{shown(value)}」は読めません）。") from None
        if number is not None and abs(number) >= 10**9:
            raise FlatValueError(f"{self.label}の欄は9桁までの半角の整数で入力してください（「{shown(value)}」は使えません）。")
        return number


class GoalResource(FlatResource):
    strategy = fields.Field(
        attribute="strategy", column_name="総合戦略", widget=NamedForeignKeyWidget(Strategy, "name", "総合戦略")
    )
    number = fields.Field(attribute="number", column_name="番号", widget=JapaneseIntegerWidget("番号"))
    title = fields.Field(attribute="title", column_name="基本目標")
    project_label = fields.Field(attribute="project_label", column_name="プロジェクト名")

    class Meta:
        model = Goal
        fields = ("strategy", "number", "title", "project_label")
        import_id_fields = ("strategy", "number")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # lengths and the models' validators, as the admin's forms


class PolicyResource(FlatResource):
    strategy = fields.Field(column_name="総合戦略", attribute="goal__strategy__name", readonly=True)
    goal = fields.Field(attribute="goal", column_name="基本目標番号", widget=GoalWidget())
    order = fields.Field(attribute="order", column_name="表示順", widget=JapaneseIntegerWidget("表示順"))
    title = fields.Field(attribute="title", column_name="基本施策")

    class Meta:
        model = Policy
        fields = ("strategy", "goal", "order", "title")
        import_id_fields = ("goal", "title")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # lengths and the models' validators, as the admin's forms


class ProjectResource(FlatResource):
    strategy = fields.Field(column_name="総合戦略", attribute="policy__goal__strategy__name", readonly=True)
    goal_number = fields.Field(column_name="基本目標番号", attribute="policy__goal__number", readonly=True)
    policy = fields.Field(attribute="policy", column_name="基本施策", widget=PolicyWidget())
    order = fields.Field(attribute="order", column_name="表示順", widget=JapaneseIntegerWidget("表示順"))
    name = fields.Field(attribute="name", column_name="事業名")
    description = fields.Field(attribute="description", column_name="事業内容")
    category = fields.Field(attribute="category", column_name="継続/新規", widget=CategoryWidget())
    departments = fields.Field(
        attribute="imported_departments", column_name="担当課（主管課が先頭）", widget=DepartmentListWidget()
    )
    active = fields.Field(attribute="active", column_name="実施中", widget=YesNoWidget())

    class Meta:
        model = Project
        fields = ("strategy", "goal_number", "policy", "order", "name", "description", "category",
                  "departments", "active")
        import_id_fields = ("policy", "name")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # lengths and the models' validators, as the admin's forms

    def get_export_queryset(self, request=None):
        return Project.objects.select_related("policy__goal__strategy").prefetch_related(
            "project_departments__department"
        )

    def dehydrate_departments(self, project: Project) -> str:
        return "\n".join(d.name for d in project.ordered_departments())

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # The departments live in a through table, so compare them apart from the plain fields.
        if import_validation_errors or original.pk is None:
            return False
        if [d.pk for d in original.ordered_departments()] != [d.pk for d in instance.imported_departments]:
            return False
        return all(
            field.get_value(instance) == field.get_value(original)
            for field in self.get_import_fields()
            if field.attribute != "imported_departments"
        )

    @transaction.atomic
    def after_save_instance(self, instance, row, **kwargs):
        departments = instance.imported_departments
        current = [link.department_id for link in instance.project_departments.order_by("position")]
        if current == [d.pk for d in departments]:
            return
        instance.project_departments.all().delete()
        # One by one (a project has few): each save tells whoever listens (the search fields).
        for position, department in enumerate(departments, start=1):
            ProjectDepartment.objects.create(project=instance, department=department, position=position)


def _split_departments(value) -> list[str]:
    text = str(value or "")
    for separator in DEPARTMENT_SEPARATORS:
        text = text.replace(separator, "\n")
    names: list[str] = []
    for name in (part.strip() for part in text.split("\n")):
        if name and name not in names:
            names.append(name)
    return names


class ChoiceLabelWidget(widgets.Widget):
    """A choice written as its Japanese label (増加が望ましい), with the labels listed when unknown."""

    def __init__(self, choices, label: str, **kwargs):
        self.choices, self.label = choices, label
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        by_label = {str(label): key for key, label in self.choices}
        if text in by_label:
            return by_label[text]
        if text in dict(self.choices):
            return text
        raise FlatValueError(f"{self.label}の欄は「{'」「'.join(by_label)}」のどれかです（「{text}」は使えません）。")

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class ProjectByNameWidget(NamedForeignKeyWidget):
    """A project by its name within the strategy and policy named in the row."""

    def __init__(self, **kwargs):
        super().__init__(Project, field="name", label="事業", **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        row = row or {}
        projects = Project.objects.filter(policy__goal__strategy__name=str(row.get("総合戦略", "")).strip())
        if str(row.get("基本施策") or "").strip():
            projects = projects.filter(policy__title=str(row["基本施策"]).strip())
        return projects


class KpiResource(FlatResource):
    """KPIs per strategy; the owner is named by 基本目標番号, 基本施策 and 事業名 as the level needs."""

    strategy = fields.Field(attribute="strategy", column_name="総合戦略",
                            widget=NamedForeignKeyWidget(Strategy, "name", "総合戦略"))
    level = fields.Field(attribute="level", column_name="対象", widget=ChoiceLabelWidget(Kpi.Level.choices, "対象"))
    goal = fields.Field(attribute="goal", column_name="基本目標番号", widget=GoalWidget())
    policy = fields.Field(attribute="policy", column_name="基本施策", widget=PolicyWidget())
    project = fields.Field(attribute="project", column_name="事業名", widget=ProjectByNameWidget())
    name = fields.Field(attribute="name", column_name="指標名")
    unit = fields.Field(attribute="unit", column_name="単位")
    direction = fields.Field(attribute="direction", column_name="望ましい方向",
                             widget=ChoiceLabelWidget(Kpi.Direction.choices, "望ましい方向"))
    definition = fields.Field(attribute="definition", column_name="定義・算出方法")
    source = fields.Field(attribute="source", column_name="出典")
    year_basis = fields.Field(attribute="year_basis", column_name="年の区切り",
                              widget=ChoiceLabelWidget(Kpi.YearBasis.choices, "年の区切り"))
    confirmed_when = fields.Field(attribute="confirmed_when", column_name="数値確定時期")
    cumulative = fields.Field(attribute="cumulative", column_name="累計", widget=YesNoWidget())
    percentage = fields.Field(attribute="percentage", column_name="割合", widget=YesNoWidget())
    numerator_label = fields.Field(attribute="numerator_label", column_name="分子")
    denominator_label = fields.Field(attribute="denominator_label", column_name="分母")
    baseline_value = fields.Field(attribute="baseline_value", column_name="基準値", widget=JapaneseDecimalWidget("基準値"))
    baseline_year = fields.Field(attribute="baseline_year", column_name="基準年度",
                                 widget=JapaneseIntegerWidget("基準年度"))
    target_value = fields.Field(attribute="target_value", column_name="目標値", widget=JapaneseDecimalWidget("目標値"))
    target_year = fields.Field(attribute="target_year", column_name="目標年度", widget=JapaneseIntegerWidget("目標年度"))
    department = fields.Field(attribute="department", column_name="報告する課",
                              widget=NamedForeignKeyWidget(Department, "name", "部署"))
    order = fields.Field(attribute="order", column_name="表示順", widget=JapaneseIntegerWidget("表示順"))

    class Meta:
        model = Kpi
        fields = ("strategy", "level", "goal", "policy", "project", "name", "unit", "direction", "definition",
                  "source", "year_basis", "confirmed_when", "cumulative", "percentage", "numerator_label",
                  "denominator_label", "baseline_value", "baseline_year", "target_value", "target_year",
                  "department", "order")
        import_id_fields = ("strategy", "name")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # lengths and the models' validators, as the admin's forms

    def get_export_queryset(self, request=None):
        return Kpi.objects.select_related("strategy", "goal", "policy__goal", "project__policy__goal", "department")

    def dehydrate_goal(self, kpi: Kpi):
        goal = kpi.goal or (kpi.policy.goal if kpi.policy else kpi.project.policy.goal if kpi.project else None)
        return goal.number if goal else ""

    def dehydrate_policy(self, kpi: Kpi) -> str:
        policy = kpi.policy or (kpi.project.policy if kpi.project else None)
        return policy.title if policy else ""

    def import_instance(self, instance, row, **kwargs):
        # 基本目標番号 and 基本施策 also locate a policy's or a project's KPI: the owner is the
        # level's own column, and the columns above it only lead the way there.
        super().import_instance(instance, row, **kwargs)
        if instance.level != Kpi.Level.GOAL:
            instance.goal = None
        if instance.level != Kpi.Level.POLICY:
            instance.policy = None
        if instance.level != Kpi.Level.PROJECT:
            instance.project = None


class KpiByNameWidget(NamedForeignKeyWidget):
    """A KPI by its name within the strategy named in the row."""

    def __init__(self, **kwargs):
        super().__init__(Kpi, field="name", label="KPI", **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        return Kpi.objects.filter(strategy__name=str((row or {}).get("総合戦略", "")).strip())


class KpiTargetResource(FlatResource):
    """A KPI's yearly targets, where they differ from the straight path: one row per KPI and year."""

    strategy = fields.Field(column_name="総合戦略", attribute="kpi__strategy__name", readonly=True)
    kpi = fields.Field(attribute="kpi", column_name="指標名", widget=KpiByNameWidget())
    year = fields.Field(attribute="year", column_name="年度", widget=JapaneseIntegerWidget("年度"))
    value = fields.Field(attribute="value", column_name="その年度の目標値", widget=JapaneseDecimalWidget("その年度の目標値"))

    class Meta:
        model = KpiTarget
        fields = ("strategy", "kpi", "year", "value")
        import_id_fields = ("kpi", "year")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_export_queryset(self, request=None):
        return KpiTarget.objects.select_related("kpi__strategy").order_by("kpi__strategy", "kpi__name", "year")
