import pytest

from projects.fiscal_year import format_fiscal_year, parse_fiscal_year


@pytest.mark.parametrize(
    ("year", "printed"),
    [
        (2016, "平成28年度"),
        (2017, "平成29年度"),
        (2018, "平成30年度"),
        (2019, "令和元年度"),
        (2020, "令和2年度"),
        (2025, "令和7年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_fiscal_year_is_printed_in_wareki(year, printed):
    assert format_fiscal_year(year) == printed


@pytest.mark.parametrize(
    "written",
    ["2017", 2017, "FY2017", "fy2017", "2017年度", "H29", "h29", "平成29", "平成29年度",
     "２０１７", "ＦＹ２０１７", "Ｈ２９", "平成２９年度", " 平成 29 年度 "],
)
def test_every_way_of_writing_fy2017_reads_as_2017(written):
    assert parse_fiscal_year(written) == 2017


@pytest.mark.parametrize(
    "written",
    ["2019", "R1", "r1", "R01", "令和元", "令和元年度", "令和1年度", "Ｒ１", "令和元年", "平成31年度", "H31"],
)
def test_all_of_fy2019_is_reiwa_gannen(written):
    assert parse_fiscal_year(written) == 2019
    assert format_fiscal_year(parse_fiscal_year(written)) == "令和元年度"


@pytest.mark.parametrize(
    ("written", "year"),
    [("H30", 2018), ("平成30年度", 2018), ("R2", 2020), ("令和7年度", 2025), ("R7", 2025), ("平成元年度", 1989)],
)
def test_era_boundaries_are_read_by_fiscal_year(written, year):
    assert parse_fiscal_year(written) == year


@pytest.mark.parametrize("written", ["", "令和", "H", "平成32年度", "H0", "令和0年度", "2017/18", "FY17", "abc", "昭和64"])
def test_nonsense_is_refused_with_a_japanese_message(written):
    with pytest.raises(ValueError, match="年度"):
        parse_fiscal_year(written)


def test_years_outside_the_supported_range_are_refused():
    with pytest.raises(ValueError, match="範囲"):
        parse_fiscal_year(1900)


def test_a_calendar_date_is_named_by_the_era_in_force_that_day():
    from datetime import date

    from projects.fiscal_year import format_date_wareki

    assert format_date_wareki(date(2026, 12, 1)) == "令和8年12月1日"
    assert format_date_wareki(date(2019, 4, 30)) == "平成31年4月30日"  # unlike FY2019, which is 令和元年度
    assert format_date_wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert format_date_wareki(date(1989, 1, 7)) == "昭和64年1月7日"
    assert format_date_wareki(date(1989, 1, 8)) == "平成元年1月8日"
