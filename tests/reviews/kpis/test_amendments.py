"""未把握 when the round is published, confirmed later: a dated amendment beside the published
value (which never changes), used from the next round on."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from projects.models import Department, Kpi, Project
from reviews.kpis.actuals import kpi_rows
from reviews.kpis.amendments import AmendmentError, record_amendment
from reviews.models import Answer, Entry, KpiActual, KpiAmendment
from reviews.rounds import life
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


@pytest.fixture
def published_with_kpi(open_round, reviewer):
    """FY2018 published with its KPI 未把握, and FY2019 created and opened after it."""
    project = Project.objects.get(name=PROJECT)
    kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT, project=project,
                             name="累計誘致件数", unit="件", direction=Kpi.Direction.HIGHER, cumulative=True,
                             baseline_value=D(0), baseline_year=2017, target_value=D(10), target_year=2020,
                             department=Department.objects.get(name="商工観光課"))
    KpiActual.objects.filter(kpi=kpi).update(status="not_yet", note="翌年度7月に確定")
    Entry.objects.filter(round=open_round).update(state=Entry.State.APPROVED, **FILLED)
    Answer.objects.filter(round=open_round).update(state=Entry.State.APPROVED, text="対応します。")
    life.change_state(open_round, "publish", by=reviewer)
    following = life.create_round(open_round, by=reviewer, fiscal_year=2019, title="令和元年度 実施事業評価",
                                  implementation_heading="令和元年度の実施内容", legend="",
                                  deadline=timezone.localdate() + timedelta(days=30))
    life.change_state(following, "open", by=reviewer)
    return kpi, KpiActual.objects.get(kpi=kpi, round=open_round), following


def test_a_figure_confirmed_after_publication_is_recorded_beside_the_published_value(
    client, published_with_kpi, staff_a
):
    kpi, published, following = published_with_kpi
    client.force_login(staff_a)
    entry_page = reverse("reviews:entry", args=[published.entry_id])
    assert "公表後に確定した実績を記録する" in client.get(entry_page).content.decode()
    response = client.post(reverse("reviews:kpi-amend", args=[published.pk]), {
        f"amend-{published.pk}-value": "4", f"amend-{published.pk}-confirmed_on": "2019-07-10",
        f"amend-{published.pk}-comment": "商工統計で確定"})
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == "not_yet" and published.value is None  # the published record is unchanged
    assert KpiAmendment.objects.get(actual=published).value == D(4)

    # The next round shows it, and adds it up: 4 (FY2018, confirmed later) + 3 (FY2019) = 7 of 10.
    current = KpiActual.objects.get(kpi=kpi, round=following)
    KpiActual.objects.filter(pk=current.pk).update(status="reported", value=D(3))
    row = kpi_rows(current.entry, staff_a)[0]
    assert row.progress.actual == D(7) and row.achievement_text == "70.0%"
    page = client.get(reverse("reviews:entry", args=[current.entry_id])).content.decode()
    assert "4件（2019年7月10日確定）" in page


def test_an_amendment_needs_a_past_date_a_figure_and_the_reporting_department(published_with_kpi, staff_a, staff_b):
    _kpi, published, _following = published_with_kpi
    with pytest.raises(AmendmentError, match="まだ来ていない日"):
        record_amendment(published, by=staff_a, value=D(4), confirmed_on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(AmendmentError, match="確定した実績値を入力してください"):
        record_amendment(published, by=staff_a, confirmed_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        record_amendment(published, by=staff_b, value=D(4), confirmed_on=timezone.localdate())
    assert not KpiAmendment.objects.exists()


def test_an_unpublished_rounds_figure_is_corrected_in_place_not_amended(published_with_kpi, staff_a):
    kpi, _published, following = published_with_kpi
    current = KpiActual.objects.get(kpi=kpi, round=following)
    with pytest.raises(AmendmentError, match="公表前の評価回では"):
        record_amendment(current, by=staff_a, value=D(4), confirmed_on=timezone.localdate())


def test_a_bad_amendment_form_keeps_what_was_typed(client, published_with_kpi, staff_a):
    _kpi, published, _following = published_with_kpi
    client.force_login(staff_a)
    response = client.post(reverse("reviews:kpi-amend", args=[published.pk]), {
        f"amend-{published.pk}-value": "4", f"amend-{published.pk}-confirmed_on": "来月",
        f"amend-{published.pk}-comment": "出典メモ"})
    page = response.content.decode()
    assert response.status_code == 400 and "日付は 2026-12-01 の形で入力してください。" in page and "出典メモ" in page
