"""The comprehensive strategy's hierarchy (goal → policy → project) and the departments."""

import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from projects.fiscal_year import format_fiscal_year_with_western
from projects.validators import validate_department_name, validate_kpi_number, validate_safe_text

DESCRIPTION_MAX_LENGTH = 1000


def person_name(user) -> str:
    """A person's name the Japanese way (family name first), or the login when no name is set."""
    if user is None:
        return ""
    full = f"{user.last_name} {user.first_name}".strip()
    return full or user.username


class Department(models.Model):
    """A 担当課. A sub-unit such as 青少年課（児童センター） records its parent."""

    name = models.CharField("部署名", max_length=100, unique=True,
                            validators=[validate_safe_text, validate_department_name])
    parent = models.ForeignKey(
        "self",
        verbose_name="上位の部署",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    first_year = models.PositiveSmallIntegerField(
        "設置年度", null=True, blank=True, editable=False,
        help_text="統合・分割で新しくできた部署の最初の年度（それより前からある部署は空欄）。",
    )
    last_year = models.PositiveSmallIntegerField(
        "最終年度", null=True, blank=True, editable=False,
        help_text="統合・分割でなくなった部署の最後の年度。空欄は現在の部署です。",
    )

    class Meta:
        verbose_name = "部署（担当課）"
        verbose_name_plural = "部署（担当課）"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="department_not_own_parent",
                                   violation_error_message="部署を自分自身の上位の部署にはできません。"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    def clean(self) -> None:
        """A department is not its own parent, nor its own parent's parent: the database's check
        sees only the first, and only when saving (the admin's form does not ask it, having no id field)."""
        super().clean()
        seen, parent = {self.pk}, self.parent
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError({"parent": "部署を自分自身（や自分の下の部署）の上位の部署にはできません。"})
            seen.add(parent.pk)
            parent = parent.parent

    @property
    def is_current(self) -> bool:
        return self.last_year is None


class Strategy(models.Model):
    """A 総合戦略 period: the first ran FY2015–FY2019, a second followed with its own goals."""

    name = models.CharField("名称", max_length=200, unique=True, validators=[validate_safe_text])
    first_year = models.PositiveSmallIntegerField("開始年度", null=True, blank=True)
    last_year = models.PositiveSmallIntegerField("終了年度", null=True, blank=True)
    code = models.SlugField(
        "URL用の名前", max_length=50, unique=True, blank=True,
        help_text="公開ページとオープンデータの URL に使う半角英数字（例: senryaku-2015）。空欄なら開始年度から作ります。"
                  "公開後に変えると、公開済みの URL が変わります。",
    )

    class Meta:
        verbose_name = "総合戦略"
        verbose_name_plural = "総合戦略"
        ordering = ["first_year", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.code:
            self.code = self.free_code(f"senryaku-{self.first_year}" if self.first_year else "senryaku")
        super().save(*args, **kwargs)

    @classmethod
    def free_code(cls, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``… if another strategy has it."""
        code, number = base, 1
        while cls.objects.filter(code=code).exists():
            number += 1
            code = f"{base}-{number}"
        return code


class Goal(models.Model):
    """A 基本目標: printed as `1 働きやすいまちをつくる <しごと応援プロジェクト>`."""

    strategy = models.ForeignKey(Strategy, verbose_name="総合戦略", on_delete=models.PROTECT, related_name="goals")
    number = models.PositiveSmallIntegerField("番号")
    title = models.CharField("基本目標", max_length=200, validators=[validate_safe_text])
    project_label = models.CharField("プロジェクト名", max_length=100, blank=True, validators=[validate_safe_text])

    class Meta:
        verbose_name = "基本目標"
        verbose_name_plural = "基本目標"
        ordering = ["strategy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="unique_goal_number_per_strategy"),
            models.CheckConstraint(condition=Q(number__gte=1), name="goal_number_positive"),
        ]

    def __str__(self) -> str:
        return self.band_text

    @property
    def band_text(self) -> str:
        """The goal as printed on the sheet's band row."""
        label = f" <{self.project_label}>" if self.project_label else ""
        return f"{self.number} {self.title}{label}"


class Policy(models.Model):
    """A 基本施策 row, kept whole as printed (some rows join several policies with ・)."""

    goal = models.ForeignKey(Goal, verbose_name="基本目標", on_delete=models.PROTECT, related_name="policies")
    title = models.CharField("基本施策", max_length=300, validators=[validate_safe_text])
    order = models.PositiveSmallIntegerField("表示順")

    class Meta:
        verbose_name = "基本施策"
        verbose_name_plural = "基本施策"
        ordering = ["goal__strategy", "goal__number", "order"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "order"], name="unique_policy_order_per_goal"),
            models.UniqueConstraint(fields=["goal", "title"], name="unique_policy_title_per_goal"),
        ]

    def __str__(self) -> str:
        return self.title


class Project(models.Model):
    """A 事業 under a policy, run by one or more departments (the lead first)."""

    class Category(models.TextChoices):
        CONTINUING = "continuing", "継続"
        NEW = "new", "新規"

    policy = models.ForeignKey(Policy, verbose_name="基本施策", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField("事業名", max_length=200, validators=[validate_safe_text])
    description = models.TextField("事業内容", max_length=DESCRIPTION_MAX_LENGTH, blank=True,
                                   validators=[validate_safe_text])
    category = models.CharField("継続/新規", max_length=20, choices=Category.choices)
    order = models.PositiveSmallIntegerField("表示順")
    active = models.BooleanField("実施中", default=True, help_text="終了した事業は次の評価回に含めません。")
    last_year = models.PositiveSmallIntegerField(
        "最後に評価する年度", null=True, blank=True, editable=False,
        help_text="終了・統合・次期への引継ぎで終わる事業が評価される最後の年度（その年度までの評価回には含めます）。",
    )
    departments = models.ManyToManyField(
        Department, through="ProjectDepartment", verbose_name="担当課", related_name="projects"
    )

    class Meta:
        verbose_name = "事業"
        verbose_name_plural = "事業"
        ordering = ["policy__goal__strategy", "policy__goal__number", "policy__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "order"], name="unique_project_order_per_policy"),
            models.UniqueConstraint(fields=["policy", "name"], name="unique_project_name_per_policy"),
            models.CheckConstraint(
                condition=Q(category__in=["continuing", "new"]), name="project_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def evaluated_in(cls, year: int) -> Q:
        """Projects a round of ``year`` holds: active ones, and ended ones whose last year is not before it."""
        return Q(active=True, last_year__isnull=True) | Q(last_year__gte=year)

    def ordered_departments(self) -> list[Department]:
        """The departments with the lead first (uses a prefetch of `project_departments` if any)."""
        links = sorted(self.project_departments.all(), key=lambda link: link.position)
        return [link.department for link in links]


class ProjectDepartment(models.Model):
    """One department of a project; position 1 is the lead (主管課)."""

    project = models.ForeignKey(
        Project, verbose_name="事業", on_delete=models.CASCADE, related_name="project_departments"
    )
    department = models.ForeignKey(
        Department, verbose_name="担当課", on_delete=models.PROTECT, related_name="project_links"
    )
    position = models.PositiveSmallIntegerField("順番", help_text="1 が主管課です。")

    class Meta:
        verbose_name = "事業の担当課"
        verbose_name_plural = "事業の担当課"
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "department"], name="unique_department_per_project"),
            models.UniqueConstraint(fields=["project", "position"], name="unique_department_position_per_project"),
            models.CheckConstraint(condition=Q(position__gte=1), name="project_department_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.department}"


class Membership(models.Model):
    """A user's current membership of a department; April's personnel changes replace these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="職員", on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        Department, verbose_name="部署", on_delete=models.PROTECT, related_name="memberships"
    )

    class Meta:
        verbose_name = "所属"
        verbose_name_plural = "所属"
        ordering = ["department", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.department}"


class StaffProfile(models.Model):
    """Per-user settings the city needs beyond Django's user: the first-sign-in password change."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="職員", on_delete=models.CASCADE,
                                related_name="staff_profile")
    must_change_password = models.BooleanField(
        "次回ログイン時にパスワードの変更が必要", default=False,
        help_text="管理者が初期パスワードを設定した職員は、最初のログインで自分のパスワードに変えます。",
    )
    digest_enabled = models.BooleanField(
        "提出のまとめメールを受け取る", default=True,
        help_text="審査担当者に、前日からの提出を一日一通のメールでまとめて知らせます。",
    )

    class Meta:
        verbose_name = "職員の設定"
        verbose_name_plural = "職員の設定"

    def __str__(self) -> str:
        return str(self.user)


def must_change_password(user) -> bool:
    profile = getattr(user, "staff_profile", None) if user.is_authenticated else None
    return bool(profile and profile.must_change_password)


def wants_digest(user) -> bool:
    """Whether the user takes the daily digest (on unless they turned it off on their settings page)."""
    profile = StaffProfile.objects.filter(user=user).first()
    return profile is None or profile.digest_enabled


class Kpi(models.Model):
    """A numeric target of the strategy: a goal's 数値目標, or a policy's or project's KPI
    (重要業績評価指標), with its baseline and target. How far it has come is computed in
    reviews.kpis.achievement from the actuals each round records."""

    class Level(models.TextChoices):
        GOAL = "goal", "基本目標（数値目標）"
        POLICY = "policy", "基本施策"
        PROJECT = "project", "事業"

    class Direction(models.TextChoices):
        HIGHER = "higher", "増加が望ましい"
        LOWER = "lower", "減少が望ましい"
        KEEP_AT_LEAST = "keep_at_least", "維持（目標値以上）"
        KEEP_AT_MOST = "keep_at_most", "維持（目標値以下）"

    class YearBasis(models.TextChoices):
        FISCAL = "fiscal", "年度"
        CALENDAR = "calendar", "年"

    strategy = models.ForeignKey(Strategy, verbose_name="総合戦略", on_delete=models.PROTECT, related_name="kpis")
    level = models.CharField("対象", max_length=20, choices=Level.choices)
    goal = models.ForeignKey(Goal, verbose_name="基本目標", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="kpis")
    policy = models.ForeignKey(Policy, verbose_name="基本施策", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="kpis")
    project = models.ForeignKey(Project, verbose_name="事業", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="kpis")
    name = models.CharField("指標名", max_length=200, validators=[validate_safe_text])
    unit = models.CharField("単位", max_length=30, validators=[validate_safe_text], help_text="例: 件、人、%")
    direction = models.CharField("望ましい方向", max_length=20, choices=Direction.choices)
    definition = models.TextField("定義・算出方法", blank=True, max_length=DESCRIPTION_MAX_LENGTH,
                                  validators=[validate_safe_text])
    source = models.CharField("出典", max_length=200, blank=True, validators=[validate_safe_text])
    year_basis = models.CharField("年の区切り", max_length=20, choices=YearBasis.choices, default=YearBasis.FISCAL)
    confirmed_when = models.CharField("数値確定時期", max_length=100, blank=True, validators=[validate_safe_text],
                                      help_text="例: 翌年度の7月（統計の公表後）")
    cumulative = models.BooleanField("累計", default=False,
                                     help_text="各年度の実績を基準値に足し上げて目標値と比べる指標です。")
    percentage = models.BooleanField("割合（分子÷分母）", default=False,
                                     help_text="実績は分子と分母から計算します。累計の割合は分子と分母を合計して計算します。")
    numerator_label = models.CharField("分子", max_length=100, blank=True, validators=[validate_safe_text])
    denominator_label = models.CharField("分母", max_length=100, blank=True, validators=[validate_safe_text])
    baseline_value = models.DecimalField("基準値", max_digits=18, decimal_places=4, validators=[validate_kpi_number])
    baseline_year = models.PositiveSmallIntegerField("基準年度")
    target_value = models.DecimalField("目標値", max_digits=18, decimal_places=4, validators=[validate_kpi_number])
    target_year = models.PositiveSmallIntegerField("目標年度")
    carried_value = models.DecimalField(
        "累計の引継ぎ（累計値）", max_digits=18, decimal_places=4, validators=[validate_kpi_number], null=True, blank=True,
        help_text="累計の指標を途中からこのシステムで管理するとき、その年度までの累計値（割合の指標には使えません）。")
    carried_year = models.PositiveSmallIntegerField("累計の引継ぎ（年度）", null=True, blank=True)
    department = models.ForeignKey(Department, verbose_name="報告する課", on_delete=models.PROTECT,
                                   related_name="kpis", help_text="基本目標の数値目標は通常、企画課です。")
    order = models.PositiveSmallIntegerField("表示順", default=1)

    class Meta:
        verbose_name = "KPI（数値目標・重要業績評価指標）"
        verbose_name_plural = "KPI（数値目標・重要業績評価指標）"
        ordering = ["strategy", "level", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="goal", goal__isnull=False, policy__isnull=True, project__isnull=True)
                           | Q(level="policy", goal__isnull=True, policy__isnull=False, project__isnull=True)
                           | Q(level="project", goal__isnull=True, policy__isnull=True, project__isnull=False)),
                name="kpi_has_one_owner",
            ),
            models.CheckConstraint(condition=Q(target_year__gte=models.F("baseline_year")),
                                   name="kpi_target_not_before_baseline"),
            models.UniqueConstraint(fields=["strategy", "name"], name="unique_kpi_name_per_strategy"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        owner = {self.Level.GOAL: "goal", self.Level.POLICY: "policy", self.Level.PROJECT: "project"}.get(self.level)
        for name in ("goal", "policy", "project"):
            if name != owner and getattr(self, f"{name}_id"):
                errors[name] = f"対象が「{self.get_level_display()}」のときは空欄にしてください。"
        if owner and not getattr(self, f"{owner}_id"):
            errors[owner] = "対象を選んでください。"
        if self.baseline_year and self.target_year and self.target_year < self.baseline_year:
            errors["target_year"] = "目標年度は基準年度と同じか後にしてください。"
        keep = self.direction in (self.Direction.KEEP_AT_LEAST, self.Direction.KEEP_AT_MOST)
        if keep and self.baseline_value is not None and self.target_value != self.baseline_value:
            errors["target_value"] = "維持の指標では、目標値を基準値と同じにしてください。"
        if not keep and self.baseline_value is not None and self.target_value == self.baseline_value:
            errors["target_value"] = "目標値が基準値と同じです。維持の指標なら「望ましい方向」を維持にしてください。"
        if self.percentage and not (self.numerator_label and self.denominator_label):
            errors["numerator_label"] = "割合の指標では、分子と分母を入力してください。"
        if (self.carried_value is None) != (self.carried_year is None):
            errors["carried_year"] = "累計の引継ぎは、累計値と年度を両方入力してください。"
        elif self.carried_value is not None and (not self.cumulative or self.percentage):
            errors["carried_value"] = "累計の引継ぎは、累計の指標（割合でないもの）にだけ入力します。"
        elif self.carried_year is not None and self.baseline_year and self.carried_year < self.baseline_year:
            errors["carried_year"] = "累計の引継ぎの年度は、基準年度と同じか後にしてください。"
        for name in ("baseline_year", "target_year", "carried_year"):
            year = getattr(self, name)
            if year is not None and not 1926 <= year <= 2200:
                errors[name] = "年度は 1926 から 2200 までの西暦で入力してください。"
        if errors:
            raise ValidationError(errors)


class KpiTarget(models.Model):
    """A KPI's target for one year on the way, where it differs from the straight path."""

    kpi = models.ForeignKey(Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="yearly_targets")
    year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("その年度の目標値", max_digits=18, decimal_places=4, validators=[validate_kpi_number])

    class Meta:
        verbose_name = "年度ごとの目標値"
        verbose_name_plural = "年度ごとの目標値"
        ordering = ["kpi", "year"]
        constraints = [models.UniqueConstraint(fields=["kpi", "year"], name="unique_kpi_target_per_year")]

    def __str__(self) -> str:
        return f"{self.kpi} {self.year}"

    def clean(self) -> None:
        kpi = self.kpi if self.kpi_id else None
        if kpi and self.year is not None and not kpi.baseline_year < self.year <= kpi.target_year:
            raise ValidationError({"year": f"年度ごとの目標は、基準年度（{kpi.baseline_year}）より後で"
                                           f"目標年度（{kpi.target_year}）までの年度に入力してください。"})


class RatingScale(models.Model):
    """How a strategy rates its KPIs: the scale's name, its symbols from the best down and the
    lowest achievement (in %) of each but the last."""

    strategy = models.OneToOneField(Strategy, verbose_name="総合戦略", on_delete=models.CASCADE,
                                    related_name="rating_scale")
    name = models.CharField("評価の名称", max_length=50, default="達成度", validators=[validate_safe_text],
                            help_text="記号の前に必ず表示します（評価の A〜D と取り違えないように）。")
    symbols = models.CharField("記号", max_length=100, default="◎,○,△,×", validators=[validate_safe_text],
                               help_text="よい順に、カンマで区切ります。")
    thresholds = models.CharField("境目（%）", max_length=100, default="100,50,0",
                                  help_text="最後の記号以外の、それぞれの記号になる最低の達成率。大きい順にカンマで区切ります。")

    class Meta:
        verbose_name = "KPI の評価基準"
        verbose_name_plural = "KPI の評価基準"

    def __str__(self) -> str:
        return f"{self.strategy} の{self.name}"

    def symbol_list(self) -> list[str]:
        return [s.strip() for s in self.symbols.split(",") if s.strip()]

    def threshold_list(self) -> list[str]:
        return [t.strip() for t in self.thresholds.split(",") if t.strip()]

    def clean(self) -> None:
        symbols, thresholds = self.symbol_list(), self.threshold_list()
        if len(symbols) < 2:
            raise ValidationError({"symbols": "記号を2つ以上、カンマで区切って入力してください。"})
        if len(thresholds) != len(symbols) - 1:
            raise ValidationError({"thresholds": f"境目は記号より1つ少なく（{len(symbols) - 1}つ）入力してください。"})
        if len(set(symbols)) != len(symbols):
            raise ValidationError({"symbols": "同じ記号を2回使わないでください。"})
        try:
            values = [Decimal(t) for t in thresholds]
        except InvalidOperation as error:
            raise ValidationError({"thresholds": "境目は数字（%）で入力してください。"}) from error
        if not all(v.is_finite() and Decimal(-1000) <= v <= Decimal(1000) for v in values):
            raise ValidationError({"thresholds": "境目は -1000 から 1000 までの数字（%）で入力してください。"})
        if values != sorted(values, reverse=True) or len(set(values)) != len(values):
            raise ValidationError({"thresholds": "境目は大きい順に、重ならないように入力してください。"})


# The strategy's memory: what changed, from which fiscal year, and what things were called before.
# A change is made only through reviews.changes (a guided action with a preview); these records
# are added, never edited, so that the rounds of earlier years keep showing what they showed.

# What a change does, as its preview says it (reviews.changes) and as its record says it was done.
# "表示します" and the like stay: they say how pages show things from then on.
_DONE = {"統合します": "統合しました", "分割します": "分割しました", "終了します": "終了しました",
         "登録します": "登録しました", "にします": "にしました", "変えます": "変えました",
         "引き継ぎます": "引き継ぎました", "になります": "になりました", "入ります": "入りました"}
_PREVIEW_VERBS = re.compile("|".join(_DONE))


class Change(models.Model):
    """One reorganisation or change of a project, effective from a fiscal year: who, when, why."""

    class Kind(models.TextChoices):
        DEPARTMENT_RENAME = "department_rename", "部署の名称変更"
        DEPARTMENT_MERGE = "department_merge", "部署の統合"
        DEPARTMENT_SPLIT = "department_split", "部署の分割"
        PROJECT_DEPARTMENTS = "project_departments", "事業の担当課の変更"
        PROJECT_RENAME = "project_rename", "事業の名称変更"
        PROJECT_MERGE = "project_merge", "事業の統合"
        PROJECT_RETIRE = "project_retire", "事業の終了"
        STRATEGY_CARRY = "strategy_carry", "次期総合戦略への引継ぎ"

    kind = models.CharField("種類", max_length=30, choices=Kind.choices)
    effective_year = models.PositiveSmallIntegerField("適用する年度", help_text="この年度の評価回から新しい内容で表示します。")
    reason = models.TextField("理由", max_length=DESCRIPTION_MAX_LENGTH, validators=[validate_safe_text])
    summary = models.TextField("内容", validators=[validate_safe_text])
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="実施者", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField("実施日時", auto_now_add=True)
    departments = models.ManyToManyField(Department, verbose_name="関係する部署", related_name="changes", blank=True)
    projects = models.ManyToManyField("Project", verbose_name="関係する事業", related_name="changes", blank=True)

    class Meta:
        verbose_name = "組織・事業の変更"
        verbose_name_plural = "組織・事業の変更"
        ordering = ["-made_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["department_rename", "department_merge", "department_split",
                                      "project_departments", "project_rename", "project_merge", "project_retire",
                                      "strategy_carry"]),
                name="change_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.effective_year_label}から）"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("組織・事業の変更の記録は変更できません。")
        super().save(*args, **kwargs)

    @property
    def summary_done(self) -> str:
        """The summary as a record reads: it was written for the preview, before the change was
        made (「統合します」), and is kept as written; the record says 「統合しました」."""
        return _PREVIEW_VERBS.sub(lambda match: _DONE[match.group(0)], self.summary)

    @property
    def effective_year_label(self) -> str:
        """令和元年度（2019年度）"""
        return format_fiscal_year_with_western(self.effective_year)


class DepartmentFormerName(models.Model):
    """A name a department had up to and including ``last_year``."""

    department = models.ForeignKey(Department, verbose_name="部署", on_delete=models.CASCADE,
                                   related_name="former_names")
    name = models.CharField("以前の名称", max_length=100, validators=[validate_safe_text])
    last_year = models.PositiveSmallIntegerField("この名称の最終年度")
    change = models.ForeignKey(Change, verbose_name="変更", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "部署の以前の名称"
        verbose_name_plural = "部署の以前の名称"
        ordering = ["department", "last_year"]
        constraints = [
            models.UniqueConstraint(fields=["department", "last_year"], name="unique_department_name_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.last_year}年度まで）"


class DepartmentSuccession(models.Model):
    """A department that took over (part of) another's work: both of a merge's, each of a split's."""

    predecessor = models.ForeignKey(Department, verbose_name="以前の部署", on_delete=models.PROTECT,
                                    related_name="successor_links")
    successor = models.ForeignKey(Department, verbose_name="引き継いだ部署", on_delete=models.PROTECT,
                                  related_name="predecessor_links")
    effective_year = models.PositiveSmallIntegerField("引継ぎの年度")
    change = models.ForeignKey(Change, verbose_name="変更", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "部署の引継ぎ"
        verbose_name_plural = "部署の引継ぎ"
        ordering = ["effective_year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unique_department_succession"),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")),
                                   name="department_not_own_successor"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"

    @property
    def effective_year_label(self) -> str:
        return format_fiscal_year_with_western(self.effective_year)


class ProjectDepartmentPeriod(models.Model):
    """One of a project's departments in the years before a change of its departments."""

    project = models.ForeignKey("Project", verbose_name="事業", on_delete=models.CASCADE,
                                related_name="department_periods")
    department = models.ForeignKey(Department, verbose_name="担当課", on_delete=models.PROTECT,
                                   related_name="project_periods")
    position = models.PositiveSmallIntegerField("順番")
    first_year = models.PositiveSmallIntegerField("最初の年度", null=True, blank=True,
                                                  help_text="空欄は、記録のある最初からです。")
    last_year = models.PositiveSmallIntegerField("最終年度")
    change = models.ForeignKey(Change, verbose_name="変更", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "事業の以前の担当課"
        verbose_name_plural = "事業の以前の担当課"
        ordering = ["project", "last_year", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "department", "last_year"],
                                    name="unique_former_department_per_period"),
            models.UniqueConstraint(fields=["project", "position", "last_year"],
                                    name="unique_former_position_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.department}（{self.last_year}年度まで）"


class ProjectFormerName(models.Model):
    """A name a project had up to and including ``last_year``."""

    project = models.ForeignKey("Project", verbose_name="事業", on_delete=models.CASCADE,
                                related_name="former_names")
    name = models.CharField("以前の名称", max_length=200, validators=[validate_safe_text])
    last_year = models.PositiveSmallIntegerField("この名称の最終年度")
    change = models.ForeignKey(Change, verbose_name="変更", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "事業の以前の名称"
        verbose_name_plural = "事業の以前の名称"
        ordering = ["project", "last_year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "last_year"], name="unique_project_name_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.last_year}年度まで）"


class ProjectSuccession(models.Model):
    """A project that goes on as another: merged into it, or carried into the next strategy period."""

    class Kind(models.TextChoices):
        MERGED = "merged", "統合"
        CARRIED = "carried", "次期総合戦略へ継続"

    predecessor = models.ForeignKey("Project", verbose_name="以前の事業", on_delete=models.PROTECT,
                                    related_name="successor_links")
    successor = models.ForeignKey("Project", verbose_name="引き継いだ事業", on_delete=models.PROTECT,
                                  related_name="predecessor_links")
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    effective_year = models.PositiveSmallIntegerField("引継ぎの年度")
    change = models.ForeignKey(Change, verbose_name="変更", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "事業の引継ぎ"
        verbose_name_plural = "事業の引継ぎ"
        ordering = ["effective_year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unique_project_succession"),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="project_not_own_successor"),
            models.CheckConstraint(condition=Q(kind__in=["merged", "carried"]), name="project_succession_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"
