"""Achievement, the straight path and ratings: the aggregation rules indicator systems most often
get wrong (cumulative against yearly figures, percentages averaged), each pinned down."""

from decimal import Decimal as D

from reviews.kpis.achievement import (
    DEFAULT_SCALE,
    FORMULA,
    HIGHER,
    KEEP_AT_LEAST,
    KEEP_AT_MOST,
    LOWER,
    Figure,
    Indicator,
    Scale,
    expected_on_path,
    percent_text,
    progress,
)


def figures(**by_year) -> dict[int, Figure]:
    return {int(year[1:]): Figure(value=D(str(v))) for year, v in by_year.items()}


def test_a_higher_is_better_kpi_is_two_thirds_of_the_way():
    # 創業件数: 10 in FY2014, target 40 by FY2019; 30 in FY2017.
    kpi = Indicator(HIGHER, D(10), 2014, D(40), 2019)
    result = progress(kpi, figures(y2017=30), 2017)
    assert result.achievement == D(20) / D(30) and percent_text(result.achievement) == "66.7%"
    assert result.expected == D(28) and result.on_track  # the path: 10 + 30 × 3/5
    assert result.achieved is None  # the target year has not come
    assert FORMULA == "（実績値 − 基準値）÷（目標値 − 基準値）"


def test_a_lower_is_better_kpi_uses_the_same_formula():
    # 待機児童数: 50 in FY2014, target 0 by FY2019; 20 in FY2017 is 60% of the way.
    kpi = Indicator(LOWER, D(50), 2014, D(0), 2019)
    result = progress(kpi, figures(y2017=20), 2017)
    assert result.achievement == D("0.6") and result.expected == D(20) and result.on_track
    worse = progress(kpi, figures(y2017=60), 2017)
    assert worse.achievement < 0 and not worse.on_track


def test_after_the_target_year_a_kpi_is_achieved_or_not():
    kpi = Indicator(HIGHER, D(10), 2014, D(40), 2019)
    assert progress(kpi, figures(y2019=40), 2019).achieved is True
    assert progress(kpi, figures(y2020=39), 2020).achieved is False
    assert progress(kpi, figures(y2020=39), 2020).expected == D(40)


def test_a_keep_kpi_is_rated_achieved_or_not_without_a_share():
    at_least = Indicator(KEEP_AT_LEAST, D("1.40"), 2014, D("1.40"), 2019)  # 合計特殊出生率を維持
    kept = progress(at_least, figures(y2017="1.41"), 2017)
    assert kept.achievement is None and kept.achieved is True
    assert progress(at_least, figures(y2017="1.39"), 2017).achieved is False
    at_most = Indicator(KEEP_AT_MOST, D(0), 2014, D(0), 2019)  # 待機児童 0 人を維持
    assert progress(at_most, figures(y2017=0), 2017).achieved is True
    assert progress(at_most, figures(y2017=3), 2017).achieved is False
    assert DEFAULT_SCALE.rate(kept) == "達成度 ◎"
    assert DEFAULT_SCALE.rate(progress(at_most, figures(y2017=3), 2017)) == "達成度 ×"


def test_a_cumulative_kpi_compares_the_sum_of_the_yearly_figures():
    # 累計創業件数: 0 at FY2014, 100 by FY2019; 20, 25 and 30 reported for FY2015–17 → 75.
    kpi = Indicator(HIGHER, D(0), 2014, D(100), 2019, cumulative=True)
    result = progress(kpi, figures(y2015=20, y2016=25, y2017=30), 2017)
    assert result.actual == D(75) and result.achievement == D("0.75")
    single = Indicator(HIGHER, D(0), 2014, D(100), 2019)
    assert progress(single, figures(y2015=20, y2016=25, y2017=30), 2017).actual == D(30)


def test_a_cumulative_kpi_with_a_year_missing_is_not_rated_and_says_why():
    kpi = Indicator(HIGHER, D(0), 2014, D(100), 2019, cumulative=True)
    result = progress(kpi, figures(y2015=20, y2017=30), 2017)
    assert not result.rated and result.reason.startswith("2016年度の実績値がないため、累計を出せません")
    assert DEFAULT_SCALE.rate(result) == ""


def test_a_percentage_is_computed_from_numerators_and_denominators_not_averaged():
    # 就職率: 30 of 40 (75%) and then 10 of 60 (16.7%): the cumulative rate is 40 of 100 = 40%,
    # where the average of the two rates would be 45.8%.
    kpi = Indicator(HIGHER, D(0), 2015, D(50), 2019, cumulative=True, percentage=True)
    yearly = {2016: Figure(numerator=D(30), denominator=D(40)), 2017: Figure(numerator=D(10), denominator=D(60))}
    assert progress(kpi, yearly, 2017).actual == D(40)
    one_year = Indicator(HIGHER, D(0), 2015, D(50), 2019, percentage=True)
    assert progress(one_year, yearly, 2017).actual.quantize(D("0.1")) == D("16.7")


def test_before_the_baseline_year_nothing_is_rated():
    kpi = Indicator(HIGHER, D(10), 2016, D(40), 2019)
    result = progress(kpi, figures(y2015=30), 2015)
    assert not result.rated and result.reason == "基準年度より前のため評価しません。"


def test_yearly_targets_replace_the_straight_path_where_they_are_set():
    kpi = Indicator(HIGHER, D(10), 2014, D(40), 2019, yearly_targets={2017: D(35)})
    assert expected_on_path(kpi, 2017) == D(35) and expected_on_path(kpi, 2016) == D(22)
    assert progress(kpi, figures(y2017=30), 2017).on_track is False


def test_a_custom_scale_names_itself_beside_every_symbol():
    scale = Scale("進捗評価", (("S", D("1")), ("A", D("0.8")), ("B", D("0.5"))), "C")
    kpi = Indicator(HIGHER, D(0), 2014, D(100), 2019)
    assert [scale.rate(progress(kpi, figures(y2017=v), 2017)) for v in (100, 80, 79, 10)] == [
        "進捗評価 S", "進捗評価 A", "進捗評価 B", "進捗評価 C"]


def test_a_cumulative_kpi_taken_over_mid_period_starts_from_its_carried_total():
    # 累計 0 in FY2014; by FY2017 (before this system) 40 in all; FY2018 adds 15 → 55 of 100.
    kpi = Indicator(HIGHER, D(0), 2014, D(100), 2019, cumulative=True, carried=D(40), carried_year=2017)
    assert progress(kpi, figures(y2018=15), 2018).actual == D(55)
