"""What an outside review of the KPIs found, kept from coming back."""

from datetime import date
from decimal import Decimal as D

import pytest
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from projects.models import Department, Kpi, KpiTarget, Project, RatingScale
from projects.resources import KpiResource
from reviews.entries import workflow
from reviews.kpis.actuals import kpi_rows
from reviews.kpis.amendments import AmendmentError, record_amendment
from reviews.models import Answer, Entry, KpiActual
from reviews.public.opendata import kpi_records
from reviews.rounds import life
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


def project_kpi(strategy, **fields) -> Kpi:
    defaults = dict(strategy=strategy, level=Kpi.Level.PROJECT, project=Project.objects.get(name=PROJECT),
                    name="企業誘致件数", unit="件", direction=Kpi.Direction.HIGHER, baseline_value=D(0),
                    baseline_year=2014, target_value=D(10), target_year=2019,
                    department=Department.objects.get(name="商工観光課"))
    return Kpi.objects.create(**{**defaults, **fields})


def publish(round_, reviewer):
    Entry.objects.filter(round=round_).update(state=Entry.State.APPROVED, **FILLED)
    Answer.objects.filter(round=round_).update(state=Entry.State.APPROVED, text="対応します。")
    KpiActual.objects.filter(round=round_, entry=None).update(state=Entry.State.APPROVED)
    return life.change_state(round_, "publish", by=reviewer)


def test_a_cumulative_kpi_begun_before_the_system_is_rated_from_its_carried_total(open_round, staff_a):
    kpi = project_kpi(open_round.strategy, cumulative=True, carried_value=D(4), carried_year=2017)
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=D(2))
    row = kpi_rows(Entry.objects.get(round=open_round, project__name=PROJECT), staff_a)[0]
    assert row.progress.actual == D(6) and row.achievement_text == "60.0%"


def test_open_data_rounds_achievement_as_the_pages_do_and_keeps_the_published_definition(open_round, reviewer):
    kpi = project_kpi(open_round.strategy, target_value=D(2000))
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=D(1333))
    publish(open_round, reviewer)
    assert kpi_records(open_round)[0]["achievement"] == "66.7"  # 66.65 rounded half up, as on every page
    Kpi.objects.filter(pk=kpi.pk).update(target_value=D(100000), name="書き換えた指標")
    record = kpi_records(open_round)[0]
    assert (record["target"], record["name"], record["achievement"]) == ("2000", "企業誘致件数", "66.7")


def test_a_confirmed_figure_counts_from_the_next_round_and_never_re_rates_the_published_one(open_round, reviewer,
                                                                                            staff_a):
    kpi = project_kpi(open_round.strategy)
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=D(4))
    publish(open_round, reviewer)
    published = KpiActual.objects.get(kpi=kpi)
    record_amendment(published, by=staff_a, value=D(9), confirmed_on=timezone.localdate())
    record = kpi_records(open_round)[0]
    assert (record["compared"], record["achievement"], record["confirmed_value"]) == ("4", "40.0", "9")


def test_a_reviewer_who_wrote_a_projects_kpi_cannot_approve_its_entry(open_round, staff_ab, reviewer, reviewer2):
    shared = Project.objects.get(name="多世代居住支援事業")
    kpi = project_kpi(open_round.strategy, project=shared, department=Department.objects.get(name="企画課"))
    entry = Entry.objects.get(round=open_round, project=shared)
    actual = KpiActual.objects.get(kpi=kpi)
    from reviews.kpis.actuals import save_entry_kpis

    save_entry_kpis(entry, by=reviewer, values={actual.pk: {"version": 1, "status": "reported", "value": D(3)}})
    entry = workflow.save_draft(entry, by=staff_ab, version=entry.version, **FILLED)
    entry = workflow.submit(entry, by=staff_ab, version=entry.version, confirmed=True)
    with pytest.raises(PermissionDenied):
        workflow.approve(entry, by=reviewer, version=entry.version)
    assert workflow.approve(entry, by=reviewer2, version=entry.version).state == Entry.State.APPROVED


def test_a_kpi_added_after_its_entry_was_approved_holds_back_publication(open_round, reviewer):
    Entry.objects.filter(round=open_round).update(state=Entry.State.APPROVED, **FILLED)
    project_kpi(open_round.strategy)
    with pytest.raises(life.RoundError, match="実績が入力されていない事業の KPI が 1 件"):
        publish(open_round, reviewer)


def post_ratio(client, open_round, clerk, numerator: str, denominator: str):
    """A clerk types a percentage KPI's 分子 and 分母 on the entry's KPI form."""
    kpi = project_kpi(open_round.strategy, percentage=True, numerator_label="立地", denominator_label="訪問", unit="%",
                      target_value=D(50))
    actual = KpiActual.objects.get(kpi=kpi)
    client.force_login(clerk)
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    response = client.post(reverse("reviews:entry-kpis", args=[entry.pk]), {
        f"kpi-{actual.pk}-version": 1, f"kpi-{actual.pk}-status": "reported",
        f"kpi-{actual.pk}-numerator": numerator, f"kpi-{actual.pk}-denominator": denominator})
    return actual, entry, response


def test_a_percentage_too_big_for_its_column_is_refused_in_words(client, open_round, staff_a):
    actual, entry, response = post_ratio(client, open_round, staff_a, "99999999999", "0.0001")
    assert response.status_code == 400 and "大きすぎます" in response.content.decode()
    assert client.get(reverse("reviews:entry", args=[entry.pk])).status_code == 200


def test_a_confirmation_date_before_the_rounds_year_is_refused(open_round, reviewer, staff_a):
    kpi = project_kpi(open_round.strategy)
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=D(4))
    publish(open_round, reviewer)
    with pytest.raises(AmendmentError, match="2018年4月1日"):
        record_amendment(KpiActual.objects.get(kpi=kpi), by=staff_a, value=D(5), confirmed_on=date(1, 1, 1))


@pytest.mark.parametrize("thresholds,symbols", [("100,NaN,0", "◎,○,△,×"), ("100,Infinity,0", "◎,○,△,×"),
                                               ("100,50,0", "◎,◎,△,×")])
def test_a_rating_scale_with_a_nan_an_infinite_or_a_repeated_symbol_is_refused(open_round, thresholds, symbols):
    with pytest.raises(ValidationError):
        RatingScale(strategy=open_round.strategy, symbols=symbols, thresholds=thresholds).full_clean()


def test_a_flat_import_with_a_word_for_a_number_is_refused_in_japanese(seed):
    from projects.models import Strategy

    project_kpi(Strategy.objects.get())  # no round under way: no actuals to protect the KPI
    exported = KpiResource().export()
    rows = [list(r) for r in exported]
    rows[0][exported.headers.index("基準値")] = "abc"
    rows[0][exported.headers.index("基準年度")] = "二〇一四"
    Kpi.objects.all().delete()
    result = KpiResource().import_data(tablib.Dataset(*rows, headers=exported.headers), dry_run=False)
    text = str([row.error_dict for row in result.invalid_rows])
    assert "基準値の欄は数字で入力してください" in text and "基準年度の欄は半角の整数で入力してください" in text
    assert not Kpi.objects.exists()


def test_a_yearly_target_outside_the_kpis_years_is_refused(open_round):
    kpi = project_kpi(open_round.strategy)
    with pytest.raises(ValidationError, match="基準年度（2014）より後で"):
        KpiTarget(kpi=kpi, year=1900, value=D(1)).full_clean()


def post_figure(client, entry, actual, value: str):
    return client.post(reverse("reviews:entry-kpis", args=[entry.pk]), {
        f"kpi-{actual.pk}-version": actual.version, f"kpi-{actual.pk}-status": "reported",
        f"kpi-{actual.pk}-value": value})


@pytest.mark.parametrize("typed", ["99999999999999.9999", "12345678901234.5678", "100000000000", "-100000000000"])
def test_a_figure_the_database_cannot_keep_exactly_is_refused_in_words_not_rounded(client, open_round, staff_a, typed):
    """SQLite keeps 15 significant digits: 12345678901234.5678 came back as …234.6, and a figure near
    10**14 as 1E+14, which broke every page that showed it (the entry, the KPI sheet, the public round)."""
    kpi = project_kpi(open_round.strategy)
    actual = KpiActual.objects.get(kpi=kpi)
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    client.force_login(staff_a)
    response = post_figure(client, entry, actual, typed)
    assert response.status_code == 400
    assert "整数部分11桁まで、小数点以下4桁まで" in response.content.decode()
    assert KpiActual.objects.get(pk=actual.pk).value is None
    assert client.get(reverse("reviews:entry", args=[entry.pk])).status_code == 200


def test_the_largest_figure_allowed_comes_back_exactly(client, open_round, staff_a):
    kpi = project_kpi(open_round.strategy)
    actual = KpiActual.objects.get(kpi=kpi)
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    client.force_login(staff_a)
    assert post_figure(client, entry, actual, "-99999999999.9999").status_code == 302
    assert KpiActual.objects.get(pk=actual.pk).value == D("-99999999999.9999")
    assert client.get(reverse("reviews:entry", args=[entry.pk])).status_code == 200


def test_a_kpi_whose_target_the_database_cannot_keep_is_refused_by_the_admins_checks(open_round):
    kpi = project_kpi(open_round.strategy)
    kpi.target_value = D("99999999999999.9999")
    with pytest.raises(ValidationError) as refused:
        kpi.full_clean()
    assert "整数部分11桁まで" in str(refused.value.message_dict["target_value"])
    target = KpiTarget(kpi=kpi, year=2018, value=D("123456789012.5"))
    with pytest.raises(ValidationError):
        target.full_clean()


def test_the_flat_import_refuses_a_kpi_figure_the_database_cannot_keep(open_round):
    kpi = project_kpi(open_round.strategy)
    dataset = KpiResource().export(queryset=Kpi.objects.filter(pk=kpi.pk))
    dataset.dict = [{**row, "目標値": "99999999999999.9999"} for row in dataset.dict]
    result = KpiResource().import_data(dataset, dry_run=True)
    assert result.has_validation_errors() or result.has_errors()
    assert Kpi.objects.get(pk=kpi.pk).target_value == D(10)


def test_negative_figures_in_the_kpi_open_data_csv_are_numbers_and_hostile_names_stay_text(client, open_round, reviewer):
    import csv
    import io

    kpi = project_kpi(open_round.strategy, name="-1+cmd", baseline_value=D(-5), target_value=D(5),
                      direction=Kpi.Direction.HIGHER)
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=D("-3.5"))
    publish(open_round, reviewer)
    response = client.get(reverse("public:kpi-csv", args=[open_round.strategy.code, open_round.fiscal_year]))
    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (row["基準値"], row["実績値"], row["比べる値"]) == ("-5", "-3.5", "-3.5")
    assert row["指標名"] == "'-1+cmd"  # text that Excel would read as a formula stays behind the quote


def test_a_negative_numerator_of_a_percentage_kpi_is_refused_on_screen_and_as_an_amendment(
    client, open_round, staff_a, reviewer
):
    actual, entry, response = post_ratio(client, open_round, staff_a, "-3", "10")
    assert response.status_code == 400 and "分子は0以上の数にしてください" in response.content.decode()
    assert KpiActual.objects.get(pk=actual.pk).numerator is None
    KpiActual.objects.filter(pk=actual.pk).update(status="reported", numerator=D(3), denominator=D(10), value=D(30))
    publish(open_round, reviewer)
    with pytest.raises(AmendmentError, match="分子は0以上の数"):
        record_amendment(KpiActual.objects.get(pk=actual.pk), by=staff_a, numerator=D(-1), denominator=D(10),
                         confirmed_on=timezone.localdate())


@pytest.mark.parametrize("typed", ["12/1/2026", "12/01/26", "Dec 1 2026"])
def test_a_confirmation_date_written_month_first_is_refused_rather_than_guessed(open_round, typed):
    from reviews.kpis.amendments import AmendmentForm

    actual = KpiActual.objects.get(kpi=project_kpi(open_round.strategy))
    form = AmendmentForm({f"amend-{actual.pk}-value": "5", f"amend-{actual.pk}-confirmed_on": typed}, actual=actual)
    assert not form.is_valid()
    assert form.errors["confirmed_on"] == ["日付は 2026-12-01 の形で入力してください。"]
    written = AmendmentForm({f"amend-{actual.pk}-value": "5", f"amend-{actual.pk}-confirmed_on": "2026/12/1"},
                            actual=actual)
    assert written.is_valid() and written.cleaned_data["confirmed_on"] == date(2026, 12, 1)
