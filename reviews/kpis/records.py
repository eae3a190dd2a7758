"""The KPI records (projects.models.Kpi, RatingScale) as the pure achievement module reads them."""

from decimal import Decimal

from projects.models import Kpi, RatingScale, Strategy
from reviews.kpis.achievement import DEFAULT_SCALE, Indicator, Scale


def indicator_of(kpi: Kpi) -> Indicator:
    """Uses a prefetch of ``yearly_targets`` when there is one."""
    return Indicator(
        direction=kpi.direction, baseline=kpi.baseline_value, baseline_year=kpi.baseline_year,
        target=kpi.target_value, target_year=kpi.target_year, cumulative=kpi.cumulative,
        percentage=kpi.percentage, yearly_targets={t.year: t.value for t in kpi.yearly_targets.all()},
    )


def scale_of(strategy: Strategy) -> Scale:
    """The strategy's rating scale, or the default (達成度: ◎ ≥100%, ○ ≥50%, △ ≥0%, ×)."""
    scale = RatingScale.objects.filter(strategy=strategy).first()
    if scale is None:
        return DEFAULT_SCALE
    symbols = scale.symbol_list()
    steps = tuple((symbol, Decimal(t) / 100) for symbol, t in zip(symbols, scale.threshold_list(), strict=False))
    return Scale(scale.name, steps, symbols[-1])
