"""Load the real FY2016–17 evaluation (the seed) and build the demo's next round.

The seed is a sheet in JSON form (fixtures/iruma-fy2017.json): it becomes a SheetDocument and is
loaded by the code that loads any sheet (reviews.sheets.uploads), as a published round of the
first strategy. No upload is recorded: there is no file. Every function here creates what is
missing and leaves what exists alone, so running it twice changes nothing and never overwrites
what users have changed since.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from projects.models import Department, Strategy
from reviews.models import Entry, Opinion, Round
from reviews.results.opinions import record_opinion
from reviews.rounds.life import change_state, create_round
from reviews.sheets import uploads
from reviews.sheets.loading.new_round import round_title
from reviews.sheets.workbook.document import document_from_seed
from reviews.sheets.workbook.layout import TITLE_SUFFIX

SEED_PATH = Path(settings.BASE_DIR) / "fixtures" / "iruma-fy2017.json"
SEED_FISCAL_YEAR = 2017
SEED_ROUND_TITLE = round_title(SEED_FISCAL_YEAR)  # 平成29年度 実施事業評価
# The first strategy period; a sheet does not say it, so the seed loader records it.
SEED_STRATEGY_YEARS = (2015, 2019)
SEED_COMMENT = "平成29年度の入力表（初期データ）から読み込みました。"


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    round: Round | None = None  # the seed's round (or the demo's), whether created now or before

    def count(self, what: str, n: int = 1) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n


def read_seed(path: Path = SEED_PATH) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@transaction.atomic
def load_seed(path: Path = SEED_PATH) -> LoadReport:
    """Create the seed's strategy, departments, hierarchy and its published FY2017 round."""
    report = LoadReport()
    document = document_from_seed(read_seed(path))
    name = document.title.removesuffix(TITLE_SUFFIX).strip()
    # Another strategy may have a round of FY2017 too: only the seed's own strategy's counts.
    report.round = Round.objects.filter(strategy__name=name, fiscal_year=SEED_FISCAL_YEAR).first()
    if report.round is not None:
        return report
    first, last = SEED_STRATEGY_YEARS
    strategy, created = Strategy.objects.get_or_create(name=name, defaults={"first_year": first, "last_year": last})
    report.count("総合戦略", created)
    upload = uploads.Upload(round=None, fiscal_year=SEED_FISCAL_YEAR, strategy=strategy, allow_new_departments=True,
                            historical=True)
    result = uploads.load_document(upload, document, by=None, dry_run=False, comment=SEED_COMMENT)
    if not result.applied:  # the committed seed is checked by its tests; this only guards a broken copy
        raise ValueError("初期データを読み込めませんでした: " + " / ".join(str(e) for e in result.errors))
    for item in result.created:
        report.count(item.split("「")[0])
    report.count("評価", result.round.entries.count())
    report.round = result.round
    return report


def create_demo_round(
    previous: Round, fiscal_year: int, heading: str, title: str, deadline: date
) -> tuple[Round, LoadReport]:
    """Create and open the round after ``previous`` (of its strategy), as the planning division
    would, unless it exists already (then it is the users' and left alone)."""
    report = LoadReport()
    existing = Round.objects.filter(strategy_id=previous.strategy_id, fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing, report
    round_ = create_round(
        previous, by=None, system=True, fiscal_year=fiscal_year, title=title, implementation_heading=heading,
        legend=previous.legend.replace(previous.implementation_heading, heading), deadline=deadline,
    )
    report.count("委員会意見", record_demo_opinions(previous))
    round_ = change_state(round_, "open", by=None, system=True, comment="デモ用の評価回として受付を開始しました。")
    report.count("評価回")
    report.count("評価", round_.entries.count())
    return round_, report


def record_demo_opinions(published: Round) -> int:
    """Two committee opinions on the seed's round, written from its own counts and marked as the
    demo's, so that the demo shows the committee's loop. They are on policies, which do not hold
    back any entry; each is addressed to the departments of the policy's C and D projects."""
    if Opinion.objects.filter(round=published).exists():
        return 0
    low: dict[int, list[Entry]] = {}
    entries = (Entry.objects.filter(round=published, status__in=["C", "D"])
               .select_related("project__policy").prefetch_related("project__departments"))
    for entry in entries:
        low.setdefault(entry.project.policy_id, []).append(entry)
    recorded = 0
    for policy_entries in sorted(low.values(), key=len, reverse=True)[:2]:
        policy = policy_entries[0].project.policy
        total = Entry.objects.filter(round=published, project__policy=policy).count()
        departments = Department.objects.filter(projects__in=[e.project for e in policy_entries]).distinct()
        record_opinion(
            published, by=None, system=True, subject=Opinion.Subject.POLICY, target=policy, departments=departments,
            text=f"【デモ用の意見】基本施策「{policy.title}」では、{total}事業のうち{len(policy_entries)}事業が"
                 "C または D でした。遅れている理由と、今後の進め方を示してください。",
        )
        recorded += 1
    return recorded
