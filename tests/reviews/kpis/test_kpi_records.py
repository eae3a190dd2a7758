"""KPIs kept per strategy in the admin and imported with the flat resources."""

from decimal import Decimal as D

import pytest
import tablib
from django.core.exceptions import ValidationError

from projects.models import Department, Goal, Kpi, KpiTarget, Project, RatingScale, Strategy
from projects.resources import KpiResource
from reviews.kpis.achievement import Figure, progress
from reviews.kpis.records import indicator_of, scale_of

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


def make_kpi(**fields) -> Kpi:
    project = Project.objects.get(name=PROJECT)
    defaults = dict(strategy=Strategy.objects.get(), level=Kpi.Level.PROJECT, project=project, name="企業誘致件数",
                    unit="件", direction=Kpi.Direction.HIGHER, baseline_value=D(2), baseline_year=2014,
                    target_value=D(10), target_year=2019, department=Department.objects.get(name="商工観光課"))
    kpi = Kpi(**{**defaults, **fields})
    kpi.full_clean()
    kpi.save()
    return kpi


def test_a_kpi_belongs_to_exactly_one_goal_policy_or_project(seed):
    kpi = make_kpi()
    assert kpi.project.name == PROJECT
    with pytest.raises(ValidationError) as refused:
        make_kpi(name="二重の対象", goal=Goal.objects.get(number=1))
    assert "空欄にしてください" in str(refused.value)
    with pytest.raises(ValidationError, match="対象を選んでください"):
        make_kpi(name="対象なし", level=Kpi.Level.POLICY, project=None)


def test_a_keep_kpi_has_its_target_equal_to_its_baseline_and_a_percentage_names_its_parts(seed):
    with pytest.raises(ValidationError, match="維持の指標では、目標値を基準値と同じに"):
        make_kpi(name="維持", direction=Kpi.Direction.KEEP_AT_LEAST)
    with pytest.raises(ValidationError, match="維持の指標なら"):
        make_kpi(name="同じ値", target_value=D(2))
    with pytest.raises(ValidationError, match="分子と分母を入力してください"):
        make_kpi(name="割合", percentage=True)
    with pytest.raises(ValidationError, match="目標年度は基準年度と同じか後に"):
        make_kpi(name="逆順", target_year=2013)


def test_kpis_round_trip_through_the_flat_resource_with_japanese_columns(seed):
    goal_kpi = make_kpi(name="市内の事業所数", level=Kpi.Level.GOAL, project=None, goal=Goal.objects.get(number=1),
                        department=Department.objects.get(name="企画課"), target_value=D(12))
    make_kpi()
    exported = KpiResource().export()
    assert exported.headers[:5] == ["総合戦略", "対象", "基本目標番号", "基本施策", "事業名"]
    rows = {row[exported.headers.index("指標名")]: row for row in exported}
    assert set(rows) == {"市内の事業所数", "企業誘致件数"}
    Kpi.objects.all().delete()
    result = KpiResource().import_data(tablib.Dataset(*exported, headers=exported.headers), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Kpi.objects.get(name="市内の事業所数").goal.number == 1 == goal_kpi.goal.number
    imported = Kpi.objects.get(name="企業誘致件数")
    assert imported.project.name == PROJECT and imported.goal is None and imported.policy is None
    again = KpiResource().export()
    assert list(again) == list(exported)


def test_a_bad_kpi_row_is_refused_in_japanese_and_nothing_is_written(seed):
    make_kpi()
    exported = KpiResource().export()
    rows = [list(r) for r in exported]
    rows[0][exported.headers.index("望ましい方向")] = "上がる"
    Kpi.objects.all().delete()
    result = KpiResource().import_data(tablib.Dataset(*rows, headers=exported.headers), dry_run=False,
                                       use_transactions=True)
    assert result.has_validation_errors()
    messages = str([row.error_dict for row in result.invalid_rows])
    assert "望ましい方向の欄は「増加が望ましい」「減少が望ましい」" in messages
    assert not Kpi.objects.exists()


def test_the_records_feed_the_achievement_rules_with_yearly_targets_and_the_strategys_scale(seed):
    kpi = make_kpi()
    KpiTarget.objects.create(kpi=kpi, year=2017, value=D(9))
    indicator = indicator_of(Kpi.objects.prefetch_related("yearly_targets").get(pk=kpi.pk))
    result = progress(indicator, {2017: Figure(value=D(6))}, 2017)
    assert result.achievement == D("0.5") and result.expected == D(9) and result.on_track is False
    assert scale_of(kpi.strategy).rate(result) == "達成度 ○"
    RatingScale.objects.create(strategy=kpi.strategy, name="進捗", symbols="S,A,B,C", thresholds="100,60,30")
    assert scale_of(kpi.strategy).rate(result) == "進捗 B"


def test_a_rating_scale_needs_one_threshold_fewer_than_its_symbols_in_falling_order(seed):
    strategy = Strategy.objects.get()
    for symbols, thresholds, message in (("◎", "", "2つ以上"), ("◎,○,×", "100", "1つ少なく"),
                                         ("◎,○,×", "50,100", "大きい順"), ("◎,○,×", "百,0", "数字")):
        with pytest.raises(ValidationError, match=message):
            RatingScale(strategy=strategy, symbols=symbols, thresholds=thresholds).full_clean()


def test_yearly_targets_round_trip_through_their_flat_resource(seed):
    from projects.resources import KpiTargetResource

    kpi = make_kpi()
    KpiTarget.objects.create(kpi=kpi, year=2017, value=D(7))
    exported = KpiTargetResource().export()
    assert exported.headers == ["総合戦略", "指標名", "年度", "その年度の目標値"]
    KpiTarget.objects.all().delete()
    result = KpiTargetResource().import_data(tablib.Dataset(*exported, headers=exported.headers), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert KpiTarget.objects.get(kpi=kpi).value == D(7)
