"""A KPI across the rounds: each year's figure (confirmed later where it was), the year's target
on the path, achievement and rating, for the trend chart, its table, the summaries and the
public pages. Which rounds count is the caller's choice (a user's, or the published ones)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from projects.fiscal_year import format_fiscal_year
from projects.models import Kpi
from reviews.kpis.achievement import Progress, percent_text, progress
from reviews.kpis.records import Definition, figure_of, indicator_for, scale_of
from reviews.models import KpiActual, Round


@dataclass
class Point:
    year: int
    round_title: str
    actual: KpiActual
    progress: Progress
    rating: str
    amended: bool
    definition: Definition  # the KPI as this year's round published it (as it is now, in progress)

    @property
    def achievement_text(self) -> str:
        return percent_text(self.progress.achievement) if self.progress.achievement is not None else ""


@dataclass
class Trend:
    kpi: Kpi
    points: list[Point]

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def definition(self) -> Definition:
        """What heads the trend: its latest year's definition (on the public side the latest
        published year's, never an edit made since nor a round in progress); the KPI's without points."""
        return self.points[-1].definition if self.points else Definition.of_kpi(self.kpi)

    @property
    def definition_notes(self) -> list[str]:
        """The published years whose definition differs from the heading's, each said once:
        「平成30年度は、指標名「企業誘致件数」、単位「件」で公表しています。」"""
        heading = self.definition
        years: dict[str, list[int]] = {}
        for point in self.points:
            if point.actual.published_kpi and (said := point.definition.differences_from(heading)):
                years.setdefault(said, []).append(point.year)
        return [f"{'、'.join(format_fiscal_year(y) for y in ys)}は、{said}で公表しています。" for said, ys in years.items()]


def trends(kpis: QuerySet[Kpi], rounds: QuerySet[Round], up_to: int | None = None) -> list[Trend]:
    """Each KPI with a point for every one of ``rounds`` (up to fiscal year ``up_to``) that has
    its actual, oldest first; in a fixed number of queries."""
    kpis = list(kpis.select_related("strategy", "goal", "policy", "project").prefetch_related("yearly_targets"))
    actuals = KpiActual.objects.filter(kpi__in=kpis, round__in=rounds).select_related("round").prefetch_related(
        "amendments").order_by("round__fiscal_year")
    if up_to is not None:
        actuals = actuals.filter(round__fiscal_year__lte=up_to)
    by_kpi: dict[int, list[KpiActual]] = {}
    for actual in actuals:
        by_kpi.setdefault(actual.kpi_id, []).append(actual)
    scales = {}
    result = []
    for kpi in kpis:
        scale = scales.setdefault(kpi.strategy_id, scale_of(kpi.strategy))
        own = by_kpi.get(kpi.pk, [])
        # Each round rates its own figure as published, and the earlier ones as confirmed since.
        confirmed = {a.round.fiscal_year: f for a in own if (f := figure_of(a)) is not None}
        published = {a.round.fiscal_year: figure_of(a, amended=False) for a in own}
        points = []
        for actual in own:
            year = actual.round.fiscal_year
            figures = {y: f for y, f in confirmed.items() if y < year}
            if published[year] is not None:
                figures[year] = published[year]
            result_of_year = progress(indicator_for(actual), figures, year)
            points.append(Point(year, actual.round.title, actual, result_of_year, scale.rate(result_of_year),
                                bool(actual.amendments.all()), Definition.of(actual, kpi)))
        result.append(Trend(kpi, points))
    return result


# --- the trend chart: the compared figure and the year's target, side by side, numbers on both ---
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 560, 220, 8, 40, 24
BAR = 46  # wide enough for a label such as 4,160所 centred on its bar


@dataclass
class ChartBar:
    x: float
    y: float
    height: float
    label: str
    fill: str
    text_fill: str

    @property
    def width(self) -> int:
        return BAR

    @property
    def label_x(self) -> float:
        return self.x + BAR / 2


@dataclass
class TrendChart:
    id: str
    title: str
    width: int
    height: int
    bars: list[ChartBar]
    years: list[tuple[float, str]]  # (x, label) under each pair
    baseline_y: float


def _text(value: Decimal | None, unit: str) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f}{unit}" if value is not None else ""


def trend_chart(trend: Trend, chart_id: str) -> TrendChart:
    """Bars for the figure compared each year (dark) and the year's target on the path (light)."""
    values = [p.progress.actual for p in trend.points if p.progress.actual is not None]
    values += [p.progress.expected for p in trend.points if p.progress.expected is not None]
    values += [trend.definition.baseline, trend.definition.target]
    top = max(max(values), Decimal(0)) or Decimal(1)
    area = HEIGHT - TOP - BOTTOM
    bars, years = [], []
    step = (WIDTH - LEFT * 2) / max(1, len(trend.points))
    for i, point in enumerate(trend.points):
        x = LEFT + i * step + step / 2 - BAR
        for offset, value, fill, text_fill in ((0, point.progress.actual, "#1f4e79", "#1a1a1a"),
                                              (BAR + 4, point.progress.expected, "#9dc3e6", "#1a1a1a")):
            if value is None:
                continue
            height = float(area * max(value, Decimal(0)) / top)
            bars.append(ChartBar(x + offset, TOP + area - height, height, _text(value, point.definition.unit), fill,
                                 text_fill))
        years.append((x + BAR + 2, f"{point.year}年度" if trend.kpi.year_basis == Kpi.YearBasis.FISCAL else f"{point.year}年"))
    return TrendChart(chart_id, f"{trend.definition.name}の推移（濃い棒: 実績、薄い棒: その年度の目標）", WIDTH, HEIGHT, bars,
                      years, TOP + area)


def goal_kpis(round_: Round, rounds: QuerySet[Round]) -> list[Trend]:
    """The strategy's goal KPIs (数値目標) as of ``round_``, counting only ``rounds``."""
    kpis = Kpi.objects.filter(strategy_id=round_.strategy_id, level=Kpi.Level.GOAL).order_by("goal__number", "order")
    found = trends(kpis, rounds, up_to=round_.fiscal_year)
    for trend in found:  # the point of this round, if it has one, is the last
        trend.points = [p for p in trend.points if p.year <= round_.fiscal_year]
    return found
