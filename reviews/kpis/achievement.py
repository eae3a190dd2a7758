"""How far a KPI has come: achievement, the position against the straight path, and the rating.

Pure Python (no Django), so every aggregation rule is tested on its own:

- Achievement is the share of the way from the baseline to the target,
  (actual − baseline) / (target − baseline), the same formula whichever way is better (when lower
  is better both differences are negative). It is printed with that formula beside it.
- A 維持 KPI (keep at least / at most the target, target equal to the baseline) is achieved or
  not, without a share.
- A cumulative KPI compares the cumulative actual: the baseline plus every yearly figure after
  the baseline year up to the year rated. A percentage KPI is computed from the numerators and
  denominators (summed when cumulative), never by averaging the yearly percentages.
- Before the baseline year nothing is rated; a missing figure on the way leaves the year unrated.
- The position against the path compares the actual with the year's target: the yearly target
  when one is set, else the straight line from the baseline to the target year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HIGHER = "higher"  # 増加が望ましい
LOWER = "lower"  # 減少が望ましい
KEEP_AT_LEAST = "keep_at_least"  # 維持（目標値以上）
KEEP_AT_MOST = "keep_at_most"  # 維持（目標値以下）
KEEP = (KEEP_AT_LEAST, KEEP_AT_MOST)


@dataclass(frozen=True)
class Figure:
    """One year's reported figure: a value, or a numerator and denominator (a percentage)."""

    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def known(self) -> bool:
        return self.value is not None or (self.numerator is not None and bool(self.denominator))


@dataclass(frozen=True)
class Indicator:
    direction: str
    baseline: Decimal
    baseline_year: int
    target: Decimal
    target_year: int
    cumulative: bool = False
    percentage: bool = False  # the value is numerator / denominator × 100
    yearly_targets: dict[int, Decimal] = field(default_factory=dict)
    # For a cumulative KPI taken over mid-period: the total up to and including carried_year, so that
    # the years before the first round with this system need no figure of their own.
    carried: Decimal | None = None
    carried_year: int | None = None


@dataclass(frozen=True)
class Progress:
    year: int
    actual: Decimal | None  # the figure compared (the cumulative one for a cumulative KPI)
    achievement: Decimal | None  # a share, 1 = the target reached; None for 維持 or unrated
    achieved: bool | None  # for 維持 KPIs, and for any KPI once past its target
    expected: Decimal | None  # the year's target on the path
    on_track: bool | None
    reason: str = ""  # why the year is not rated, in Japanese

    @property
    def rated(self) -> bool:
        return self.actual is not None and (self.achievement is not None or self.achieved is not None)


FORMULA = "（実績値 − 基準値）÷（目標値 − 基準値）"


def _value(figure: Figure, percentage: bool) -> Decimal | None:
    if percentage and figure.numerator is not None and figure.denominator:
        return figure.numerator / figure.denominator * 100
    return figure.value


def compared_actual(indicator: Indicator, figures: dict[int, Figure], year: int) -> tuple[Decimal | None, str]:
    """The figure of ``year`` as it is compared with the target, or None with the reason."""
    if year < indicator.baseline_year:
        return None, "基準年度より前のため評価しません。"
    if not indicator.cumulative:
        figure = figures.get(year)
        if figure is None or not figure.known:
            return None, "実績値がありません。"
        return _value(figure, indicator.percentage), ""
    start, total = indicator.baseline_year, indicator.baseline
    if indicator.carried is not None and indicator.carried_year is not None and indicator.carried_year <= year:
        start, total = indicator.carried_year, indicator.carried
    years = range(start + 1, year + 1)
    missing = [y for y in years if y not in figures or not figures[y].known]
    if missing:
        return None, (f"{missing[0]}年度の実績値がないため、累計を出せません"
                      "（システムより前の年度の累計は、KPI の「累計の引継ぎ」に入力します）。")
    if indicator.percentage:
        # A cumulative rate is the sum of the numerators over the sum of the denominators.
        numerator = sum((figures[y].numerator or Decimal(0) for y in years), Decimal(0))
        denominator = sum((figures[y].denominator or Decimal(0) for y in years), Decimal(0))
        if any(figures[y].numerator is None or not figures[y].denominator for y in years):
            return None, "累計の割合は、各年度の分子と分母から計算します。分子と分母を入力してください。"
        return (numerator / denominator * 100 if denominator else None), ""
    return total + sum((figures[y].value for y in years), Decimal(0)), ""


def expected_on_path(indicator: Indicator, year: int) -> Decimal:
    """The year's target: the yearly one when set, else the straight line to the target year."""
    if year in indicator.yearly_targets:
        return indicator.yearly_targets[year]
    span = indicator.target_year - indicator.baseline_year
    if year >= indicator.target_year or span <= 0:
        return indicator.target
    return indicator.baseline + (indicator.target - indicator.baseline) * Decimal(year - indicator.baseline_year) / span


def _at_least_as_good(direction: str, actual: Decimal, goal: Decimal) -> bool:
    if direction in (HIGHER, KEEP_AT_LEAST):
        return actual >= goal
    return actual <= goal


def progress(indicator: Indicator, figures: dict[int, Figure], year: int) -> Progress:
    """The KPI's position in ``year`` from the figures reported so far (by year)."""
    actual, reason = compared_actual(indicator, figures, year)
    if actual is None:
        return Progress(year, None, None, None, None, None, reason)
    expected = expected_on_path(indicator, year)
    on_track = _at_least_as_good(indicator.direction, actual, expected)
    if indicator.direction in KEEP:
        return Progress(year, actual, None, _at_least_as_good(indicator.direction, actual, indicator.target),
                        expected, on_track)
    span = indicator.target - indicator.baseline
    if span == 0:
        return Progress(year, actual, None, None, expected, on_track,
                        "目標値が基準値と同じため、達成率を計算できません（維持の指標にしてください）。")
    achievement = (actual - indicator.baseline) / span
    achieved = achievement >= 1 if year >= indicator.target_year else None
    return Progress(year, actual, achievement, achieved, expected, on_track)


def percent_text(achievement: Decimal) -> str:
    """An achievement as people print it: 0.6667 → 66.7%."""
    return f"{(achievement * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Scale:
    """A rating scale of a strategy: its name and (symbol, lowest achievement) from the best down;
    the last symbol takes everything below. 維持 KPIs get the first symbol or the last."""

    name: str
    steps: tuple[tuple[str, Decimal], ...]
    last: str

    def rate(self, result: Progress) -> str:
        """The symbol for a rated year, always with the scale's name (never a bare letter that could
        be read as an entry's A–D): 「達成度 ◎」. Empty when the year is not rated."""
        if not result.rated:
            return ""
        if result.achievement is None:
            symbol = self.steps[0][0] if result.achieved else self.last
        else:
            symbol = next((s for s, lowest in self.steps if result.achievement >= lowest), self.last)
        return f"{self.name} {symbol}"


DEFAULT_SCALE = Scale("達成度", (("◎", Decimal("1")), ("○", Decimal("0.5")), ("△", Decimal("0"))), "×")
