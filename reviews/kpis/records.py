"""The KPI records (projects.models.Kpi, RatingScale) as the pure achievement module reads them,
and each round's actuals: which exist, what is complete, the best-known figure.

Only models are imported here, so that a round's life and the entry workflow can use it."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models.signals import post_save

from projects.models import Kpi, RatingScale, Strategy
from reviews.kpis.achievement import DEFAULT_SCALE, Figure, Indicator, Scale
from reviews.models import Entry, KpiActual, Round


def captured_kpi(kpi: Kpi) -> dict:
    """A KPI's definition as a round publishes it (KpiActual.published_kpi): later edits in the
    admin never change how a published round's figure was rated."""
    return {
        "name": kpi.name, "unit": kpi.unit, "direction": kpi.direction, "cumulative": kpi.cumulative,
        "percentage": kpi.percentage, "baseline": str(kpi.baseline_value), "baseline_year": kpi.baseline_year,
        "target": str(kpi.target_value), "target_year": kpi.target_year,
        "yearly_targets": {str(t.year): str(t.value) for t in kpi.yearly_targets.all()},
        "carried_value": str(kpi.carried_value) if kpi.carried_value is not None else None,
        "carried_year": kpi.carried_year,
    }


@dataclass(frozen=True)
class Definition:
    """What the pages print of a KPI for one year's figure: as the year's round published it
    (KpiActual.published_kpi), or the KPI as it is now for a round still in progress."""

    name: str
    unit: str
    direction: str
    cumulative: bool
    baseline: Decimal
    baseline_year: int
    target: Decimal
    target_year: int

    @classmethod
    def of(cls, actual: KpiActual, kpi: Kpi | None = None) -> "Definition":
        """``kpi``: the actual's KPI when the caller has it already (no query)."""
        if data := actual.published_kpi:
            return cls(name=data["name"], unit=data["unit"], direction=data["direction"],
                       cumulative=data["cumulative"], baseline=Decimal(data["baseline"]),
                       baseline_year=data["baseline_year"], target=Decimal(data["target"]),
                       target_year=data["target_year"])
        # In progress, or published before definitions were captured (migration 0020): the KPI's.
        return cls.of_kpi(kpi or actual.kpi)

    @classmethod
    def of_kpi(cls, kpi: Kpi) -> "Definition":
        """The KPI as it is now."""
        return cls(name=kpi.name, unit=kpi.unit, direction=kpi.direction, cumulative=kpi.cumulative,
                   baseline=kpi.baseline_value, baseline_year=kpi.baseline_year, target=kpi.target_value,
                   target_year=kpi.target_year)

    def differences_from(self, other: "Definition") -> str:
        """What this definition says otherwise than ``other``, as a phrase: 「指標名「…」、単位「件」」;
        empty when a reader would see no difference."""
        parts = []
        if self.name != other.name:
            parts.append(f"指標名「{self.name}」")
        if self.unit != other.unit:
            parts.append(f"単位「{self.unit}」")
        if (self.direction, self.cumulative) != (other.direction, other.cumulative):
            parts.append(f"望ましい方向「{Kpi.Direction(self.direction).label}{'・累計' if self.cumulative else ''}」")
        if (self.baseline, self.baseline_year) != (other.baseline, other.baseline_year):
            parts.append(f"基準値 {self.baseline.normalize():f}{self.unit}（{self.baseline_year}）")
        if (self.target, self.target_year) != (other.target, other.target_year):
            parts.append(f"目標値 {self.target.normalize():f}{self.unit}（{self.target_year}）")
        return "、".join(parts)


def indicator_from(data: dict) -> Indicator:
    return Indicator(
        direction=data["direction"], baseline=Decimal(data["baseline"]), baseline_year=data["baseline_year"],
        target=Decimal(data["target"]), target_year=data["target_year"], cumulative=data["cumulative"],
        percentage=data["percentage"], yearly_targets={int(y): Decimal(v) for y, v in data["yearly_targets"].items()},
        carried=Decimal(data["carried_value"]) if data.get("carried_value") is not None else None,
        carried_year=data.get("carried_year"),
    )


def indicator_for(actual: KpiActual) -> Indicator:
    """How the actual's round rates it: as published, else the KPI as it is now."""
    return indicator_from(actual.published_kpi) if actual.published_kpi else indicator_of(actual.kpi)


def indicator_of(kpi: Kpi) -> Indicator:
    """Uses a prefetch of ``yearly_targets`` when there is one."""
    return Indicator(
        direction=kpi.direction, baseline=kpi.baseline_value, baseline_year=kpi.baseline_year,
        target=kpi.target_value, target_year=kpi.target_year, cumulative=kpi.cumulative,
        percentage=kpi.percentage, yearly_targets={t.year: t.value for t in kpi.yearly_targets.all()},
        carried=kpi.carried_value, carried_year=kpi.carried_year,
    )


def scale_of(strategy: Strategy) -> Scale:
    """The strategy's rating scale, or the default (達成度: ◎ ≥100%, ○ ≥50%, △ ≥0%, ×)."""
    scale = RatingScale.objects.filter(strategy=strategy).first()
    if scale is None:
        return DEFAULT_SCALE
    symbols = scale.symbol_list()
    steps = tuple((symbol, Decimal(t) / 100) for symbol, t in zip(symbols, scale.threshold_list(), strict=False))
    return Scale(scale.name, steps, symbols[-1])


def create_actuals(round_: Round) -> int:
    """An actual to enter for every KPI of the round's strategy that has none yet: a project's
    goes with the project's entry in the round (none when the project has no entry)."""
    existing = set(KpiActual.objects.filter(round=round_).values_list("kpi_id", flat=True))
    entries = dict(Entry.objects.filter(round=round_).values_list("project_id", "pk"))
    created = 0
    for kpi in Kpi.objects.filter(strategy_id=round_.strategy_id).exclude(pk__in=existing):
        entry_id = entries.get(kpi.project_id) if kpi.project_id else None
        if kpi.project_id and entry_id is None:
            continue  # the project is not evaluated in this round
        KpiActual.objects.create(round=round_, kpi=kpi, entry_id=entry_id, department_id=kpi.department_id)
        created += 1
    return created


def figure_of(actual: KpiActual, *, amended: bool = True) -> Figure | None:
    """The figure of an actual: with ``amended`` (for the rounds after it) the latest confirmation
    after publication, else as entered (its own round always rates what it published); None when
    there is no figure (未把握, 評価不能, 事業終了, or nothing entered)."""
    amendments = sorted(actual.amendments.all(), key=lambda a: (a.confirmed_on, a.pk), reverse=True)
    if amended and amendments:
        latest = amendments[0]
        return Figure(value=latest.value, numerator=latest.numerator, denominator=latest.denominator)
    if actual.status != KpiActual.Status.REPORTED:
        return None
    return Figure(value=actual.value, numerator=actual.numerator, denominator=actual.denominator)


def figure_problems(kpi: Kpi, *, status: str, value, numerator, denominator, note: str) -> dict[str, str]:
    """What keeps an actual from being submitted, by field, in Japanese (empty when complete)."""
    problems: dict[str, str] = {}
    if not status:
        problems["status"] = f"「{kpi.name}」の実績値を入力するか、未把握・評価不能・事業終了のどれかを選んでください。"
    elif status == KpiActual.Status.REPORTED:
        if kpi.percentage:
            if numerator is None or not denominator:
                problems["numerator"] = f"「{kpi.name}」は割合の指標です。分子と分母（0より大きい数）を入力してください。"
        elif value is None:
            problems["value"] = f"「{kpi.name}」の実績値を入力してください。"
    elif status in (KpiActual.Status.NOT_YET, KpiActual.Status.UNMEASURABLE) and not note.strip():
        what = "いつ確定するか" if status == KpiActual.Status.NOT_YET else "測れない理由"
        problems["note"] = f"「{kpi.name}」の{what}を入力してください。"
    if denominator is not None and denominator <= 0:
        problems["denominator"] = f"「{kpi.name}」の分母は0より大きい数にしてください。"
    return problems


def wrote_kpi_of(entry: Entry, user) -> bool:
    """Whether the user wrote one of the entry's KPI actuals: the entry is then partly theirs."""
    return KpiActual.objects.filter(entry=entry, text_author_id=getattr(user, "pk", None)).exists()


def incomplete_actuals(entry: Entry) -> list[KpiActual]:
    """The entry's project KPIs whose actual is not complete: while any is left, it cannot be submitted."""
    actuals = KpiActual.objects.filter(entry=entry).select_related("kpi").order_by("kpi__order", "kpi_id")
    return [a for a in actuals if figure_problems(a.kpi, status=a.status, value=a.value, numerator=a.numerator,
                                                  denominator=a.denominator, note=a.note)]


def _kpi_saved(sender, instance: Kpi, created: bool, **kwargs) -> None:
    # A KPI added while a round is under way gets its actual in that round at once.
    if created:
        for round_ in Round.objects.filter(strategy_id=instance.strategy_id, state__in=Round.ACTIVE_STATES):
            create_actuals(round_)


def connect() -> None:
    """Called once from ReviewsConfig.ready()."""
    post_save.connect(_kpi_saved, sender=Kpi, dispatch_uid="kpi-actuals")
