"""A project's KPIs go with its entry: entered on the entry page, submitted, returned, fixed and
approved together; the entry waits while a KPI has no figure and no reason."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from projects.models import Department, Kpi, Project
from reviews.entries import workflow
from reviews.kpis.actuals import kpi_rows, save_entry_kpis
from reviews.kpis.records import create_actuals
from reviews.models import Entry, KpiActual
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


@pytest.fixture
def kpi(open_round) -> Kpi:
    project = Project.objects.get(name=PROJECT)
    return Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT, project=project,
                              name="企業誘致件数", unit="件", direction=Kpi.Direction.HIGHER, baseline_value=D(2),
                              baseline_year=2014, target_value=D(10), target_year=2019,
                              department=Department.objects.get(name="商工観光課"))


def entry_of(open_round) -> Entry:
    return Entry.objects.get(round=open_round, project__name=PROJECT)


def form_data(actual: KpiActual, **fields) -> dict:
    data = {f"kpi-{actual.pk}-version": actual.version}
    data.update({f"kpi-{actual.pk}-{name}": value for name, value in fields.items()})
    return data


def test_a_kpi_added_during_the_round_gets_its_actual_with_the_projects_entry(open_round, kpi):
    actual = KpiActual.objects.get(kpi=kpi)
    assert actual.round == open_round and actual.entry == entry_of(open_round)
    assert actual.current_state == Entry.State.DRAFT and create_actuals(open_round) == 0


def test_a_kpi_actual_is_entered_returned_fixed_and_approved_with_its_entry(
    client, open_round, kpi, staff_a, reviewer, reviewer2
):
    entry = entry_of(open_round)
    actual = KpiActual.objects.get(kpi=kpi)
    client.force_login(staff_a)
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    assert "この事業の KPI" in page and "企業誘致件数（件）" in page

    # Submitting before the KPI has a figure or a reason is refused, and the texts are kept.
    response = client.post(reverse("reviews:entry-edit", args=[entry.pk]),
                           {"intent": "submit", "version": entry.version, "confirmed": "on", **FILLED})
    assert response.status_code == 409 and "KPI 「企業誘致件数」 の実績がまだ入力されていないため" in response.content.decode()

    response = client.post(reverse("reviews:entry-kpis", args=[entry.pk]),
                           form_data(actual, status="reported", value="6", comment="2社が立地"))
    assert response.status_code == 302
    actual.refresh_from_db()
    assert actual.value == D(6) and actual.version == 2
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    assert "達成率 50.0%（（実績値 − 基準値）÷（目標値 − 基準値））" in page and "達成度 ○" in page

    entry.refresh_from_db()
    entry = workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True)
    assert KpiActual.objects.get(pk=actual.pk).current_state == Entry.State.SUBMITTED
    # While submitted, the KPI cannot change.
    response = client.post(reverse("reviews:entry-kpis", args=[entry.pk]), form_data(actual, status="reported", value="7"))
    assert response.status_code == 409 and KpiActual.objects.get(pk=actual.pk).value == D(6)

    entry = workflow.return_entry(entry, by=reviewer, version=entry.version, comment="件数を確認してください。")
    actual.refresh_from_db()
    client.post(reverse("reviews:entry-kpis", args=[entry.pk]), form_data(actual, status="reported", value="5"))
    assert KpiActual.objects.get(pk=actual.pk).value == D(5)
    entry.refresh_from_db()
    entry = workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True)
    entry = workflow.approve(entry, by=reviewer2, version=entry.version)
    assert KpiActual.objects.get(pk=actual.pk).current_state == Entry.State.APPROVED


def test_not_yet_confirmed_needs_when_and_unmeasurable_needs_why(open_round, kpi, staff_a):
    entry = entry_of(open_round)
    actual = KpiActual.objects.get(kpi=kpi)
    save_entry_kpis(entry, by=staff_a, values={actual.pk: {"version": 1, "status": "not_yet", "note": ""}})
    entry = workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    with pytest.raises(workflow.IncompleteKpis):
        workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True)
    rows = kpi_rows(entry, staff_a)
    assert rows[0].problems == {"note": "「企業誘致件数」のいつ確定するかを入力してください。"}
    save_entry_kpis(entry, by=staff_a, values={actual.pk: {"version": 2, "status": "not_yet",
                                                           "note": "翌年度7月に確定"}})
    assert workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True).state == Entry.State.SUBMITTED
    assert KpiActual.objects.get(pk=actual.pk).figure_text == "未把握（まだ確定していない）（翌年度7月に確定）"


def test_a_percentage_actual_is_computed_from_its_numerator_and_denominator(client, open_round, staff_a):
    project = Project.objects.get(name=PROJECT)
    kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT, project=project, name="立地率",
                             unit="%", direction=Kpi.Direction.HIGHER, percentage=True, numerator_label="立地件数",
                             denominator_label="訪問件数", baseline_value=D(10), baseline_year=2014,
                             target_value=D(50), target_year=2019, department=Department.objects.get(name="商工観光課"))
    actual = KpiActual.objects.get(kpi=kpi)
    client.force_login(staff_a)
    response = client.post(reverse("reviews:entry-kpis", args=[entry_of(open_round).pk]),
                           form_data(actual, status="reported", value="99", numerator="3", denominator="12"))
    assert response.status_code == 302
    actual.refresh_from_db()
    assert actual.value == D("25") and actual.figure_text == "25%（3 ÷ 12）"
    response = client.post(reverse("reviews:entry-kpis", args=[entry_of(open_round).pk]),
                           form_data(actual, status="reported", numerator="3", denominator="0"))
    assert response.status_code == 400 and "分母は0より大きい数にしてください。" in response.content.decode()


def test_another_department_cannot_enter_a_projects_kpi_and_a_stale_form_is_refused(
    client, open_round, kpi, staff_a, staff_b
):
    entry = entry_of(open_round)
    actual = KpiActual.objects.get(kpi=kpi)
    client.force_login(staff_b)
    assert client.post(reverse("reviews:entry-kpis", args=[entry.pk]),
                       form_data(actual, status="reported", value="1")).status_code == 404
    client.force_login(staff_a)
    client.post(reverse("reviews:entry-kpis", args=[entry.pk]), form_data(actual, status="reported", value="3"))
    stale = client.post(reverse("reviews:entry-kpis", args=[entry.pk]),
                        {**form_data(actual, status="reported", value="4"), f"kpi-{actual.pk}-version": 1})
    assert stale.status_code == 409 and "開いた後に別の人が保存しました" in stale.content.decode()
    assert KpiActual.objects.get(pk=actual.pk).value == D(3)


def test_hostile_text_in_a_kpi_comment_is_inert(client, open_round, kpi, staff_a):
    entry = entry_of(open_round)
    actual = KpiActual.objects.get(kpi=kpi)
    client.force_login(staff_a)
    client.post(reverse("reviews:entry-kpis", args=[entry.pk]),
                form_data(actual, status="unmeasurable", note='<script>alert("x")</script>', comment="=1+1"))
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    assert "<script>alert" not in page
    bad = client.post(reverse("reviews:entry-kpis", args=[entry.pk]),
                      {**form_data(actual, status="reported", value="1", note="ベル\x07"),
                       f"kpi-{actual.pk}-version": KpiActual.objects.get(pk=actual.pk).version})
    assert bad.status_code == 400 and "U+0007" in bad.content.decode()
