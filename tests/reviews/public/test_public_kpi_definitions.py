"""A published round never changes, its KPIs included: the public pages show each year's figure
with the KPI's name, unit, baseline and target as that year published them
(KpiActual.published_kpi), whatever the administrator edits afterwards, and never what a round
still in progress holds."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Department, Goal, Kpi, Project
from reviews.demo.seed import create_demo_round
from reviews.models import Answer, Entry, KpiActual, Round
from reviews.rounds import life
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


@pytest.fixture
def project_kpi(open_round) -> Kpi:
    """企業誘致件数 of 企業等誘致事業: 2件 (2014) to 10件 (2019), 6件 reported for FY2018."""
    kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT,
                             project=Project.objects.get(name=PROJECT), name="企業誘致件数", unit="件",
                             direction=Kpi.Direction.HIGHER, baseline_value=D(2), baseline_year=2014,
                             target_value=D(10), target_year=2019,
                             department=Department.objects.get(name="商工観光課"))
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=D(6))
    return kpi


@pytest.fixture
def goal_kpi(open_round) -> Kpi:
    """Goal 1's 市内の事業所数: 4000所 (2014) to 4200所 (2019), 4100所 reported for FY2018."""
    kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.GOAL, goal=Goal.objects.get(number=1),
                             name="市内の事業所数", unit="所", direction=Kpi.Direction.HIGHER,
                             baseline_value=D(4000), baseline_year=2014, target_value=D(4200), target_year=2019,
                             department=Department.objects.get(name="企画課"))
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=D(4100))
    return kpi


def publish(round_: Round, reviewer) -> Round:
    Entry.objects.filter(round=round_).update(state=Entry.State.APPROVED, **FILLED)
    Answer.objects.filter(round=round_).update(state=Entry.State.APPROVED, text="対応します。")
    KpiActual.objects.filter(round=round_, entry=None).update(state=Entry.State.APPROVED)
    return life.change_state(round_, "publish", by=reviewer)


def open_fy2019(published: Round) -> Round:
    round_, _ = create_demo_round(published, 2019, "令和元年度の実施内容", "令和元年度 実施事業評価",
                                  deadline=timezone.localdate() + timedelta(days=30))
    return round_


def redefine(kpi: Kpi, **fields) -> None:
    """The administrator edits the KPI in the admin (a save, as the admin's form makes)."""
    kpi = Kpi.objects.get(pk=kpi.pk)
    for name, value in fields.items():
        setattr(kpi, name, value)
    kpi.save()


def project_page(client) -> str:
    return client.get(reverse("public:project", args=[Project.objects.get(name=PROJECT).pk])).content.decode()


def test_a_kpi_renamed_after_publication_keeps_its_published_name_on_the_public_page(
        client, open_round, project_kpi, reviewer):
    publish(open_round, reviewer)
    redefine(project_kpi, name="誘致企業数", unit="社", target_value=D(20))
    # FY2019 is open with the new definition and a figure entered: none of it is public yet.
    fy2019 = open_fy2019(Round.objects.get(pk=open_round.pk))
    KpiActual.objects.filter(kpi=project_kpi, round=fy2019).update(status="reported", value=D(7))

    page = project_page(client)
    assert "KPI: 企業誘致件数（件）" in page and "<caption>企業誘致件数の推移</caption>" in page
    assert "企業誘致件数の推移（濃い棒: 実績、薄い棒: その年度の目標）" in page and ">6件</text>" in page
    assert "<td>6件</td>" in page
    assert "目標値 10件（2019）" in page and "50.0%" in page
    assert "誘致企業数" not in page and "（社）" not in page and "社</" not in page and "<td>7" not in page


def test_a_kpi_renamed_between_two_published_years_shows_each_year_as_it_was_published(
        client, open_round, project_kpi, reviewer):
    publish(open_round, reviewer)
    redefine(project_kpi, name="誘致企業数", unit="社")
    fy2019 = open_fy2019(Round.objects.get(pk=open_round.pk))
    KpiActual.objects.filter(kpi=project_kpi, round=fy2019).update(status="reported", value=D(7))
    publish(fy2019, reviewer)

    page = project_page(client)
    # The latest published name heads the section; the year published under the old one says so.
    assert "KPI: 誘致企業数（社）" in page
    assert "平成30年度は、指標名「企業誘致件数」、単位「件」で公表しています。" in page
    assert "<td>6件</td>" in page and "<td>7社</td>" in page and ">6件</text>" in page and ">7社</text>" in page


def test_a_goal_kpi_redefined_after_publication_reads_as_published_on_the_round_and_summary_pages(
        client, open_round, goal_kpi, reviewer):
    publish(open_round, reviewer)
    redefine(goal_kpi, name="市内の民営事業所数", unit="事業所", baseline_value=D(3000), target_value=D(5000))

    summary = client.get(reverse("public:summary", args=["senryaku-2015", 2018])).content.decode()
    assert "市内の事業所数（所）" in summary and "4000（2014）" in summary and "4200（2019）" in summary
    assert "4100所" in summary and "民営" not in summary and "5000" not in summary and "事業所</td>" not in summary
    round_page = client.get(reverse("public:round", args=["senryaku-2015", 2018])).content.decode()
    assert "市内の事業所数（所）" in round_page and "<td>4100所</td>" in round_page
    assert "民営" not in round_page and "4100事業所" not in round_page
