"""A large city for measuring (``python manage.py generate_installation``): the demo, grown to
thousands of projects, about 945 departments and ten years of rounds.

It builds on the demo's data, never beside it: on an empty database it first loads what
``load_demo`` loads (the seed's FY2017 round, the open FY2018 round, the demo users, the demo's
recorded rename), so that the same users, departments and entries exist at both sizes and a page
measured at seed size is the same page at the large size. Then, in one transaction:

- departments up to ``departments`` (the seed's 15 among them): 本庁 課, 区役所 課 of twelve wards,
  and sub-units printed ``課（係）`` (their parent is the part before ``（``);
- goals 5 and 6 and new policies (about one per 100 projects), and projects up to ``projects``
  (the seed's 68 among them), each with one or two departments;
- rounds back to ``rounds`` years: the years before FY2017 are created published, as if each had
  been created, opened, closed and published (round events with those dates), every entry approved
  (events 作成・提出・承認, one history record) with the facts it captures at publication
  (reviews.rounds.record); FY2017 (the seed's, published) and FY2018 (the demo's, open) get the new
  projects' entries the same way (FY2018's as round creation makes them: draft, event 作成);
- the open round's untouched drafts taken into a working state (``work_in_progress``): about 40%
  still drafts (half of them partly written), 30% submitted, 8% returned, 22% approved;
- every entry's search row (EntrySearch), as Entry.save would write it.

Texts are Japanese and differ from entry to entry; an entry's letter, state and texts are drawn
from its project's name and year, so the demo's entries come out the same whatever else exists.
Not generated: KPIs, messages, notifications, committee opinions beyond the demo's.

It refuses (``Refused``) a database that holds anything a person may have entered: a user other
than the demo users, a strategy or round other than the demo's (the seed's FY2017 and FY2018), a
sheet upload, departments and projects without the seed's round, or a department, goal, policy
or project the seed's sheet does not hold. There is no override.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from projects.fiscal_year import format_fiscal_year
from projects.history import PROJECT_HISTORY_PREFETCH
from projects.models import Department, Goal, Policy, Project, ProjectDepartment, Strategy
from projects.text import normalize_name, parent_name_of
from reviews.demo.seed import SEED_FISCAL_YEAR, read_seed
from reviews.demo.users import DEMO_USERS
from reviews.facts import Facts, live_facts
from reviews.models import Entry, EntrySearch, Event, Round, RoundEvent, SheetUpload
from reviews.public.cache import public_changed
from reviews.rounds.life import round_defaults
from reviews.search.index import refresh as refresh_search
from reviews.sheets.workbook.document import document_from_seed
from reviews.sheets.workbook.layout import TITLE_SUFFIX

DEMO_OPEN_YEAR = 2018  # load_demo's open round (reviews.management.commands.load_demo)
DEMO_YEARS = (SEED_FISCAL_YEAR, DEMO_OPEN_YEAR)
DEFAULT_PROJECTS = 5000
DEFAULT_ROUNDS = 10
DEFAULT_DEPARTMENTS = 945
PROJECTS_PER_POLICY = 100
BATCH = 1000


class Refused(Exception):
    """The database holds what a person may have entered: nothing is generated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)


def seed_strategy_name() -> str:
    """The strategy the seed's sheet names (the demo's only strategy)."""
    return document_from_seed(read_seed()).title.removesuffix(TITLE_SUFFIX).strip()


def _some(values: list[str], total: int) -> str:
    shown = "、".join(values[:5])
    return f"{shown} など {total} 件" if total > len(values[:5]) else shown


def refusal() -> str | None:
    """Why this database may not take a generated city (None when it may): anything beyond the
    demo's data could be a person's work."""
    demo_names = {demo.username for demo in DEMO_USERS}
    others = get_user_model().objects.exclude(username__in=demo_names).order_by("username")
    if (count := others.count()):
        names = list(others.values_list("username", flat=True)[:5])
        return f"デモ用以外の利用者がいます（{_some(names, count)}）。"
    if (count := SheetUpload.objects.count()):
        return f"入力表の取込みの記録があります（{count} 件）。"
    name = seed_strategy_name()
    strategies = Strategy.objects.exclude(name=name).order_by("name")
    if (count := strategies.count()):
        return f"デモ以外の総合戦略があります（{_some(list(strategies.values_list('name', flat=True)[:5]), count)}）。"
    rounds = Round.objects.exclude(strategy__name=name, fiscal_year__in=DEMO_YEARS).order_by("fiscal_year")
    if (count := rounds.count()):
        return f"デモ以外の評価回があります（{_some([r.title for r in rounds[:5]], count)}）。"
    if not Round.objects.filter(strategy__name=name, fiscal_year=SEED_FISCAL_YEAR).exists():
        if Department.objects.exists() or Project.objects.exists() or Goal.objects.exists():
            return "初期データの評価回がないのに、部署・基本目標・事業が登録されています。"
    if problem := _beyond_the_seed(name):
        return problem
    demo_round = Round.objects.filter(strategy__name=name, fiscal_year=DEMO_OPEN_YEAR).first()
    if demo_round is not None and demo_round.state != Round.State.OPEN:
        return (f"デモの評価回（{demo_round.title}）が「{demo_round.get_state_display()}」です。"
                "生成する最後の評価回は受付中でなければなりません。")
    return None


def _beyond_the_seed(strategy_name: str) -> str | None:
    """Departments, goals, policies or projects the seed's sheet does not hold: someone added them
    (the admin, an import, a reorganisation). ``strategy_name``: the seed's (seed_strategy_name)."""
    seed = document_from_seed(read_seed())
    # A project is the seed's if the seed's round holds its entry (the demo renames one of them).
    seed_round = Round.objects.filter(strategy__name=strategy_name, fiscal_year=SEED_FISCAL_YEAR)
    added = Project.objects.exclude(pk__in=Entry.objects.filter(round__in=seed_round).values("project_id"))
    if (count := added.count()):
        return f"初期データにない事業があります（{_some(list(added.values_list('name', flat=True)[:5]), count)}）。"
    departments = {normalize_name(name) for project in seed.projects() for name in project.departments}
    departments |= {normalize_name(parent) for name in departments if (parent := parent_name_of(name))}
    goals = {goal.number for goal in seed.goals}
    policies = {normalize_name(policy.title) for goal in seed.goals for policy in goal.policies}
    for label, names, known in (
        ("部署", Department.objects.values_list("name", flat=True), departments),
        ("基本施策", Policy.objects.values_list("title", flat=True), policies),
    ):
        extra = sorted(name for name in names if normalize_name(name) not in known)
        if extra:
            return f"初期データにない{label}があります（{_some(extra, len(extra))}）。"
    extra_goals = sorted(set(Goal.objects.values_list("number", flat=True)) - goals)
    if extra_goals:
        return f"初期データにない基本目標があります（{_some([f'基本目標{n}' for n in extra_goals], len(extra_goals))}）。"
    return None


def check_empty() -> None:
    problem = refusal()
    if problem:
        raise Refused(
            f"このデータベースには人が入力したかもしれないデータがあるため、何も作成せずに中止しました: {problem}"
            "大きな市のデータは、空のデータベース（またはデモのデータだけのデータベース）にだけ作成します。"
            "空のデータベースを用意して migrate してから実行してください。"
        )


def counts() -> dict[str, int]:
    """How many rows of each kind the generator makes, by what the city calls them."""
    models = {"部署": Department, "基本目標": Goal, "基本施策": Policy, "事業": Project, "事業の担当課": ProjectDepartment,
              "評価回": Round, "評価回の操作記録": RoundEvent, "評価": Entry, "評価の変更履歴": Entry.history.model,
              "評価の検索用データ": EntrySearch, "評価の操作記録": Event, "利用者": get_user_model()}
    return {what: model.objects.count() for what, model in models.items()}


def generate(*, projects: int = DEFAULT_PROJECTS, rounds: int = DEFAULT_ROUNDS,
             departments: int = DEFAULT_DEPARTMENTS, seed: int = 2026, progress=None) -> Report:
    """Build the large city (see the module's docstring) in one transaction; refuses (Refused) a
    database with anything beyond the demo's data. ``progress`` is called with a line per step."""
    if rounds < len(DEMO_YEARS):
        raise Refused(f"--rounds は {len(DEMO_YEARS)} 以上にしてください（デモの評価回が {len(DEMO_YEARS)} つあります）。")
    check_empty()
    report = Report()
    started = step_started = time.perf_counter()
    before = counts()

    def step(what: str) -> None:
        nonlocal step_started
        now = time.perf_counter()
        report.steps.append((what, now - step_started))
        if progress:
            progress(f"  {what}: {now - step_started:.1f} 秒")
        step_started = now

    with transaction.atomic():
        call_command("load_demo", force=True, stdout=StringIO())
        strategy = Strategy.objects.get(name=seed_strategy_name())
        have = Project.objects.filter(policy__goal__strategy=strategy).count()
        if projects < have:
            raise Refused(f"--projects は {have} 以上にしてください（デモの事業が {have} あります）。")
        step("デモのデータ（load_demo と同じ）")
        rng = random.Random(seed)
        _departments(departments)
        step("部署")
        _hierarchy(rng, strategy, projects)
        step("基本目標・基本施策・事業")
        city = _City(strategy)
        first_year = DEMO_OPEN_YEAR - rounds + 1
        if strategy.first_year is None or strategy.first_year > first_year:
            # The rounds before the seed's are the same strategy's: its years cover them.
            Strategy.objects.filter(pk=strategy.pk).update(first_year=first_year)
        seed_round = Round.objects.get(strategy=strategy, fiscal_year=SEED_FISCAL_YEAR)
        for year in range(first_year, SEED_FISCAL_YEAR):
            _published_entries(city, _published_round(strategy, seed_round, year))
            step(f"{format_fiscal_year(year)}の評価回（公表済）")
        if _published_entries(city, seed_round):
            # The seed's published round changed: its last update moves with it, so that counts
            # kept for it (reviews.results.summary, keyed by the round and its last update) are
            # worked out again by a server that showed it before.
            Round.objects.filter(pk=seed_round.pk).update(updated_at=timezone.now())
        step(f"{format_fiscal_year(SEED_FISCAL_YEAR)}の評価回（初期データ、公表済）に新しい事業の評価")
        open_round = Round.objects.get(strategy=strategy, fiscal_year=DEMO_OPEN_YEAR)
        work_in_progress(open_round)  # the demo's entries, as the page benchmark's seed size has them
        _open_entries(city, open_round)
        step(f"{format_fiscal_year(DEMO_OPEN_YEAR)}の評価回（デモ、受付中）")
        public_changed()  # written in bulk, without the signals that tell the public pages
    after = counts()
    report.created = {what: after[what] - before[what] for what in after if after[what] != before[what]}
    report.seconds = time.perf_counter() - started
    return report


# Vocabulary ---------------------------------------------------------------------------------------

OFFICE_STEMS = (
    "政策企画", "行政経営", "財政", "税務", "収納", "市民税", "資産税", "契約検査", "管財", "情報政策", "広聴",
    "秘書", "人事", "職員研修", "法務", "危機管理", "防災", "消防総務", "予防", "警防", "市民生活", "市民協働",
    "地域振興", "男女共同参画", "国際交流", "文化振興", "スポーツ振興", "生涯学習", "博物館", "社会福祉", "障害福祉",
    "高齢福祉", "介護保険", "地域包括ケア", "生活支援", "保険年金", "国民健康保険", "健康づくり", "母子保健",
    "感染症対策", "保育", "幼児教育", "子ども家庭", "子育て支援", "児童福祉", "青少年育成", "環境政策", "環境保全",
    "資源循環", "ごみ減量", "清掃事業", "公園緑地", "農地保全", "林業振興", "商工振興", "産業創造", "企業誘致",
    "観光振興", "雇用労働", "消費生活", "都市整備", "市街地整備", "区画整理", "住宅政策", "空き家対策",
    "建築指導", "開発審査", "道路計画", "道路建設", "道路維持", "交通政策", "公共交通", "河川", "下水道経営",
    "下水道整備", "水道経営", "浄水", "学校教育", "教育総務", "教育指導", "学務", "学校施設", "学校給食",
    "特別支援教育", "文化財保護", "選挙管理", "監査", "議会事務", "会計", "債権管理", "デジタル推進", "行政改革",
    "公共施設マネジメント", "移住定住", "シティプロモーション", "市民相談", "住民記録", "戸籍", "医療政策",
    "地域医療", "斎場", "市場", "動物愛護", "交通安全", "防犯", "住宅管理", "営繕", "用地", "土木管理",
)
WARDS = ("中央", "東", "西", "南", "北", "緑", "青葉", "港", "桜台", "若葉", "泉", "浜風")
WARD_STEMS = (
    "区政推進", "地域振興", "戸籍", "保険年金", "税務", "福祉保健", "高齢・障害支援", "こども家庭支援", "生活支援",
    "健康づくり", "土木", "区民活動支援", "総務", "地域防災", "環境衛生", "窓口サービス", "保育・教育",
    "まちづくり調整", "広報相談", "公園",
)
UNITS = ("管理係", "企画係", "事業係", "調整係", "相談係", "第一係", "第二係", "推進担当", "相談センター", "分室",
         "出張所", "事務所", "窓口担当", "業務係", "支援担当")

TARGETS = (
    "高齢者", "子ども", "若者", "子育て世帯", "障害のある人", "外国人市民", "女性", "中小企業", "商店街", "農業者",
    "観光客", "市民活動団体", "自治会", "小中学校", "地域", "空き家", "公共施設", "駅前", "中心市街地", "河川",
    "里山", "文化財", "図書館", "公民館", "公園", "生活道路", "下水道", "避難所", "地域公共交通", "ひとり親家庭",
    "妊産婦", "新規就農者", "創業者", "ボランティア", "大学生", "働く世代", "スポーツ団体", "狭山茶",
)
ACTIVITIES = (
    "見守り", "居場所づくり", "交流", "相談支援", "就労支援", "学習支援", "情報発信", "魅力発信", "活性化", "利活用",
    "環境整備", "安全対策", "健康づくり", "担い手育成", "人材育成", "ネットワーク構築", "デジタル化", "魅力向上",
    "利便性向上", "多言語対応", "啓発", "体験学習", "見える化", "連携強化", "再生", "長寿命化", "省エネルギー化",
    "防災力強化", "ブランド化", "販路拡大", "移住促進", "参加促進",
)
KINDS = ("事業", "推進事業", "支援事業", "促進事業", "モデル事業", "プロジェクト", "補助金交付事業", "講座")
AREAS = ("豊岡", "東町", "西武", "藤沢", "金子", "宮寺", "二本木", "東藤沢", "黒須", "高倉", "仏子", "野田")
PURPOSES = (
    "地域の活性化", "定住の促進", "安心して暮らせる環境づくり", "市民の健康増進", "交流人口の拡大", "雇用の創出",
    "子育ての負担軽減", "地域経済の循環", "災害に強いまちづくり", "行政サービスの向上", "次世代の担い手の確保",
    "生活の質の向上", "地域の魅力の向上", "孤立の防止",
)
MEANS = (
    "関係団体との連携", "補助金の交付", "講座の開催", "専門職の派遣", "市ホームページやSNSでの発信",
    "民間事業者との協働", "出前講座", "相談窓口の設置", "アンケート調査", "モデル地区での試行", "ボランティアの育成",
    "大学との共同研究", "イベントの開催", "パンフレットの配布",
)
OUTCOMES = (
    "参加者の満足度が高く、継続を望む声が多かった", "前年度より利用者が増加した", "関係団体との協力体制が整った",
    "市内外への周知が進んだ", "新たな担い手の参加があった", "相談件数が増え、早期の支援につながった",
    "地域の自主的な取組が生まれた",
)
ISSUES = (
    "参加者が固定化していること", "周知が十分でないこと", "担い手が不足していること", "事業費の確保",
    "効果の測定方法が定まっていないこと", "関係部署との役割分担", "利用者の地域的な偏り", "人件費の増加",
)
POLICIES_AHEAD = (
    "対象を広げて実施する", "成果指標を定めて効果を検証する", "関係団体と連携して内容を充実させる",
    "オンラインでの参加も可能にする", "周知の方法を見直す", "受益者負担のあり方を検討する",
    "民間事業者への委託を検討する", "近隣市との広域連携を進める",
)
REASONS_NOT_DONE = (
    "関係機関との調整に時間を要した", "予算の確保ができなかった", "感染症の影響で中止した",
    "担当職員の体制が整わなかった", "国の制度改正を待つこととした",
)
NEW_GOALS = (
    (5, "安全・安心に暮らせるまちをつくる", "安心応援プロジェクト"),
    (6, "持続可能な行財政運営を進める", "未来応援プロジェクト"),
)
RETURN_COMMENTS = (
    "実施内容に参加人数や回数など、具体的な数字を記載してください。",
    "評価と今後の方針が同じ内容になっています。課題を具体的に書いてください。",
    "事業内容との対応がわかるように、実施内容を補足してください。",
)
MEMOS = ("ヒアリング済み。", "次回は成果指標の記載を依頼する。", "推進会議で取り上げる候補。", "予算要求と整合を確認。")


# Departments and the hierarchy --------------------------------------------------------------------

def _departments(target: int) -> None:
    """Departments up to ``target``: about two in five 課 (本庁, then each ward's), the rest their
    sub-units ``課（係）`` spread over them."""
    taken = {normalize_name(name) for name in Department.objects.values_list("name", flat=True)}
    room = target - len(taken)
    if room <= 0:
        return
    names = [f"{stem}課" for stem in OFFICE_STEMS] + [f"{ward}区{stem}課" for ward in WARDS for stem in WARD_STEMS]
    parents = []
    for name in names:
        if len(parents) >= max(1, room * 2 // 5):
            break
        if normalize_name(name) not in taken:
            taken.add(normalize_name(name))
            parents.append(Department(name=name))
    parents = Department.objects.bulk_create(parents, batch_size=BATCH)
    children = []
    units = list(UNITS)
    while len(parents) + len(children) < room:
        added = False
        for parent in parents:
            if len(parents) + len(children) >= room:
                break
            unit = units[(len(children) + parent.pk) % len(units)]
            name = f"{parent.name}（{unit}）"
            if normalize_name(name) not in taken:
                taken.add(normalize_name(name))
                children.append(Department(name=name, parent=parent))
                added = True
        if not added:  # every parent has every unit: a new one
            units.append(f"第{len(units) + 1}係")
    Department.objects.bulk_create(children, batch_size=BATCH)


def _unique(make, taken: set[str]) -> str:
    """The first name ``make(attempt)`` gives that is not taken (normalised), which it then takes."""
    for attempt in range(10_000):
        name = make(attempt)
        if normalize_name(name) not in taken:
            taken.add(normalize_name(name))
            return name
    raise RuntimeError("重複しない名前を作れませんでした。")


def _hierarchy(rng: random.Random, strategy: Strategy, total_projects: int) -> None:
    """Goals 5 and 6 and about one policy per 100 projects, then new projects up to
    ``total_projects``, each with one department (four in five) or two, spread over every department."""
    have = Project.objects.filter(policy__goal__strategy=strategy).count()
    if total_projects <= have:
        return
    goals = list(Goal.objects.filter(strategy=strategy).order_by("number"))
    policies = list(Policy.objects.filter(goal__strategy=strategy).order_by("goal__number", "order"))
    wanted = max(len(policies), round(total_projects / PROJECTS_PER_POLICY))
    if wanted - len(policies) >= 2 * len(NEW_GOALS):
        numbers = {goal.number for goal in goals}
        goals += [Goal.objects.create(strategy=strategy, number=number, title=title, project_label=label)
                  for number, title, label in NEW_GOALS if number not in numbers]
    titles = {normalize_name(policy.title) for policy in policies}
    orders = {goal.pk: max((p.order for p in policies if p.goal_id == goal.pk), default=0) for goal in goals}
    new_policies = []
    for index in range(wanted - len(policies)):
        goal = goals[index % len(goals)]
        orders[goal.pk] += 1
        title = _unique(lambda attempt: f"{rng.choice(TARGETS)}の{rng.choice(ACTIVITIES)}を進める"
                        + (f"（その{attempt}）" if attempt > 20 else ""), titles)
        new_policies.append(Policy(goal=goal, title=title, order=orders[goal.pk]))
    Policy.objects.bulk_create(new_policies, batch_size=BATCH)
    policies += new_policies

    taken = {normalize_name(name) for name in Project.objects.values_list("name", flat=True)}
    orders = dict(Project.objects.filter(policy__in=policies).values("policy_id").annotate(last=Max("order"))
                  .values_list("policy_id", "last"))
    department_ids = list(Department.objects.order_by("pk").values_list("pk", flat=True))

    def project_name(attempt: int) -> str:
        name = f"{rng.choice(TARGETS)}{rng.choice(ACTIVITIES)}{rng.choice(KINDS)}"
        return f"{name}（{rng.choice(AREAS)}地区）" if attempt >= 3 or rng.random() < 0.15 else name

    projects = []
    for index in range(total_projects - have):
        # Every new policy gets projects first, then the projects go to any policy.
        policy = new_policies[index] if index < len(new_policies) else rng.choice(policies)
        orders[policy.pk] = orders.get(policy.pk, 0) + 1
        name = _unique(project_name, taken)
        description = (f"{rng.choice(TARGETS)}を対象に、{rng.choice(MEANS)}により{name.split('（')[0]}を行い、"
                       f"{rng.choice(PURPOSES)}を図る。")
        if rng.random() < 0.4:
            description += f"あわせて{rng.choice(MEANS)}を進め、{rng.choice(PURPOSES)}につなげる。"
        category = Project.Category.NEW if rng.random() < 0.25 else Project.Category.CONTINUING
        projects.append(Project(policy=policy, name=name, description=description, category=category,
                                order=orders[policy.pk]))
    projects = Project.objects.bulk_create(projects, batch_size=BATCH)
    links = []
    for project in projects:
        lead = rng.choice(department_ids)
        links.append(ProjectDepartment(project_id=project.pk, department_id=lead, position=1))
        if rng.random() < 0.2 and (other := rng.choice(department_ids)) != lead:
            links.append(ProjectDepartment(project_id=project.pk, department_id=other, position=2))
    ProjectDepartment.objects.bulk_create(links, batch_size=BATCH)


class _City:
    """The strategy's projects with what their facts and search rows need, loaded once."""

    def __init__(self, strategy: Strategy):
        self.projects = list(
            Project.objects.filter(policy__goal__strategy=strategy)
            .select_related("policy__goal")
            .prefetch_related(*(path.removeprefix("project__") for path in PROJECT_HISTORY_PREFETCH))
            .order_by("policy__goal__number", "policy__order", "order")
        )

    def evaluated_in(self, year: int) -> list[Project]:
        return [p for p in self.projects if (p.active and p.last_year is None) or (p.last_year or 0) >= year]

    @staticmethod
    def names(project: Project) -> set[str]:
        """Every name the project has had: search finds it by any (Entry.search_row)."""
        return {project.name, *(former.name for former in project.former_names.all())}


# Texts --------------------------------------------------------------------------------------------

def entry_texts(rng: random.Random, project_name: str, year: int) -> dict[str, str]:
    """A letter and three texts for one project's entry in one year, different for every entry."""
    status = rng.choices("ABCD", weights=(65, 13, 12, 10))[0]
    this, following = format_fiscal_year(year), format_fiscal_year(year + 1)
    short = project_name.split("（")[0]
    if status == "D":
        implementation = f"{this}は、{rng.choice(REASONS_NOT_DONE)}ため、{short}は未実施となった。"
        if rng.random() < 0.5:
            implementation += f"{following}の実施に向けて、{rng.choice(MEANS)}の準備を進めている。"
    else:
        implementation = (f"{this}に、{rng.choice(MEANS)}により{short}を実施し、延べ{rng.randint(8, 1900):,}人の"
                          f"参加があった。")
        if rng.random() < 0.7:
            implementation += f"また、{rng.choice(MEANS)}を{rng.randint(2, 48)}回行い、{rng.choice(OUTCOMES)}。"
        if rng.random() < 0.4:
            implementation += f"参加者アンケートでは、満足度が{rng.randint(52, 99)}%であった。"
        if status == "B":
            implementation += f"予定していた{rng.choice(MEANS)}は、{rng.choice(REASONS_NOT_DONE)}ため一部にとどまった。"
        if status == "C":
            implementation += f"事業の本格実施に向けて、{rng.choice(MEANS)}の検討に着手した。"
    if status == "A":
        evaluation = f"計画どおりに事業を進めることができ、{rng.choice(OUTCOMES)}。一方で、{rng.choice(ISSUES)}が課題である。"
    elif status == "B":
        evaluation = f"予定の一部を実施したが、{rng.choice(ISSUES)}が課題となり、残りは{following}に持ち越した。"
    elif status == "C":
        evaluation = f"実施に向けた検討、研究に着手した段階である。{rng.choice(ISSUES)}を整理する必要がある。"
    else:
        evaluation = f"{this}は実施できなかった。{rng.choice(ISSUES)}を解消することが前提となる。"
    if rng.random() < 0.5:
        evaluation += f"今後は{rng.choice(PURPOSES)}への効果を数値で示せるようにしたい。"
    future_policy = f"{following}以降も事業を継続し、{rng.choice(POLICIES_AHEAD)}。"
    if rng.random() < 0.5:
        future_policy += f"あわせて、{rng.choice(POLICIES_AHEAD)}ことで、{rng.choice(PURPOSES)}を目指す。"
    return {"status": status, "implementation": implementation, "evaluation": evaluation,
            "future_policy": future_policy, "memo": rng.choice(MEMOS) if rng.random() < 0.1 else ""}


def _entry_rng(project_name: str, year: int) -> random.Random:
    """The same draw for the same project and year, whatever else the database holds."""
    return random.Random(f"{project_name}/{year}")


# Rounds and entries -------------------------------------------------------------------------------

def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(date(year, month, day), clock(hour)))


def _published_round(strategy: Strategy, model: Round, year: int) -> Round:
    """A past round as if the planning division had created, opened, closed and published it."""
    defaults = round_defaults(model, year)
    round_ = Round.objects.create(strategy=strategy, fiscal_year=year, state=Round.State.PUBLISHED,
                                  deadline=date(year + 1, 5, 31), published_strategy_name=strategy.name, **defaults)
    Round.objects.filter(pk=round_.pk).update(created_at=_at(year + 1, 4, 10), updated_at=_at(year + 1, 8, 31))
    previous = format_fiscal_year(year - 1)
    steps = [
        (RoundEvent.Action.CREATE, "", Round.State.PREPARING, _at(year + 1, 4, 10),
         f"{previous} 実施事業評価 をもとに作成しました。"),
        (RoundEvent.Action.DEADLINE, "", "", _at(year + 1, 4, 12), f"提出期限を {year + 1}年05月31日 にしました。"),
        (RoundEvent.Action.OPEN, Round.State.PREPARING, Round.State.OPEN, _at(year + 1, 4, 15), ""),
        (RoundEvent.Action.CLOSE, Round.State.OPEN, Round.State.CLOSED, _at(year + 1, 6, 1), ""),
        (RoundEvent.Action.PUBLISH, Round.State.CLOSED, Round.State.PUBLISHED, _at(year + 1, 8, 31), ""),
    ]
    for action, from_state, to_state, when, comment in steps:
        event = RoundEvent.objects.create(round=round_, action=action, from_state=from_state, to_state=to_state,
                                          comment=comment)
        _backdate(RoundEvent, [event], when)
    return round_


# An event to record: (action, from state, to state, comment, snapshot).
Step = tuple[str, str, str, str, dict]


def _backdate(model, objects: list, when: datetime, field: str = "created_at") -> None:
    """Give rows just bulk-created (consecutive ids) the date they would have had: auto_now and
    auto_now_add fields take the present moment on insert."""
    if objects:
        ids = [obj.pk for obj in objects]
        model.objects.filter(pk__range=(min(ids), max(ids))).update(**{field: when})


def _insert(entries: list[Entry], facts: list[Facts], names: list[set[str]], steps: list[list[Step]],
            *, when: datetime, step_dates: dict[str, datetime] | None = None) -> list[Entry]:
    """Create the entries with one history record each (``when``), their search rows and each
    entry's events (``steps``, in the order they happened; dated by ``step_dates`` per action,
    else now)."""
    if not entries:
        return []
    entries = bulk_create_with_history(entries, Entry, batch_size=BATCH, default_date=when)
    _backdate(Entry, entries, when, "updated_at")
    EntrySearch.objects.bulk_create((entry.search_row(f, n) for entry, f, n in zip(entries, facts, names, strict=True)),
                                    batch_size=BATCH)
    by_action: dict[str, list[Event]] = {}
    for entry, entry_steps in zip(entries, steps, strict=True):
        for action, from_state, to_state, comment, snapshot in entry_steps:
            by_action.setdefault(action, []).append(Event(entry_id=entry.pk, action=action, from_state=from_state,
                                                          to_state=to_state, comment=comment, snapshot=snapshot))
    for action in EVENT_ORDER:  # each action's events in one insert, so that each can be dated by its ids
        events = Event.objects.bulk_create(by_action.get(action, []), batch_size=BATCH)
        if step_dates and action in step_dates:
            _backdate(Event, events, step_dates[action])
    return entries


EVENT_ORDER = (Event.Action.CREATE, Event.Action.SUBMIT, Event.Action.RETURN, Event.Action.APPROVE)


def _created(round_: Round) -> Step:
    return (Event.Action.CREATE, "", Entry.State.DRAFT, f"{round_.fiscal_year_label}の評価回を作成しました。", {})


def _published_entries(city: _City, round_: Round) -> int:
    """An approved entry, with the facts publication captures, for each project the round lacks;
    each created, submitted and approved on the dates of the round's year."""
    year = round_.fiscal_year
    have = set(round_.entries.values_list("project_id", flat=True))
    entries, facts, names, steps = [], [], [], []
    created = _created(round_)
    submitted = (Event.Action.SUBMIT, Entry.State.DRAFT, Entry.State.SUBMITTED, "", {})
    approved = (Event.Action.APPROVE, Entry.State.SUBMITTED, Entry.State.APPROVED, "", {})
    for project in city.evaluated_in(year):
        if project.pk in have:
            continue
        project_facts = live_facts(project, year)
        texts = entry_texts(_entry_rng(project.name, year), project_facts.project_name, year)
        entries.append(Entry(round=round_, project=project, state=Entry.State.APPROVED, version=4,
                             published_facts=project_facts.to_json(), **texts))
        facts.append(project_facts)
        names.append(city.names(project))
        steps.append([created, submitted, approved])
    _insert(entries, facts, names, steps, when=_at(year + 1, 6, 20), step_dates={
        Event.Action.CREATE: _at(year + 1, 4, 10), Event.Action.SUBMIT: _at(year + 1, 5, 25),
        Event.Action.APPROVE: _at(year + 1, 6, 20),
    })
    return len(entries)


def _open_entries(city: _City, round_: Round) -> int:
    """For each project the open round lacks, its entry as creating the round made it (a draft,
    event 作成), taken to where work stands (``_working_state``)."""
    year = round_.fiscal_year
    have = set(round_.entries.values_list("project_id", flat=True))
    entries, facts, names, steps = [], [], [], []
    for project in city.evaluated_in(year):
        if project.pk in have:
            continue
        entry = Entry(round=round_, project=project)
        steps.append([_created(round_), *_working_state(entry, project.name)])
        entries.append(entry)
        facts.append(live_facts(project, year))
        names.append(city.names(project))
    _insert(entries, facts, names, steps, when=timezone.now(), step_dates={Event.Action.CREATE: round_.created_at})
    return len(entries)


def _working_state(entry: Entry, project_name: str) -> list[Step]:
    """Take an untouched draft to where a round stands some weeks after opening: about 20% still
    blank, 20% partly written, 30% submitted, 8% returned, 22% approved. Changes ``entry`` (not
    saved) and returns the events that got it there. The draw depends only on the project's name
    and the year, so an entry ends the same whatever else the database holds."""
    year = entry.round.fiscal_year
    rng = _entry_rng(project_name, year)
    texts = entry_texts(rng, project_name, year)
    roll = rng.random()
    if roll < 0.20:
        return []
    entry.status, entry.implementation, entry.version = texts["status"], texts["implementation"], 2
    if roll < 0.40:
        return []
    entry.evaluation, entry.future_policy = texts["evaluation"], texts["future_policy"]
    snapshot = {name: getattr(entry, name) for name in ("status", "implementation", "evaluation", "future_policy")}
    steps = [(Event.Action.SUBMIT, Entry.State.DRAFT, Entry.State.SUBMITTED, "", snapshot)]
    if roll < 0.70:
        entry.state, entry.version = Entry.State.SUBMITTED, 3
    elif roll < 0.78:
        entry.state, entry.version = Entry.State.RETURNED, 4
        steps.append((Event.Action.RETURN, Entry.State.SUBMITTED, Entry.State.RETURNED, rng.choice(RETURN_COMMENTS), {}))
    else:
        entry.state, entry.version = Entry.State.APPROVED, 4
        steps.append((Event.Action.APPROVE, Entry.State.SUBMITTED, Entry.State.APPROVED, "", {}))
    if texts["memo"]:
        entry.memo, entry.memo_version = texts["memo"], 2
    return steps


def work_in_progress(round_: Round) -> Counter:
    """Take the round's untouched drafts (version 1, nothing written) where work stands some weeks
    after opening (``_working_state``), with their events, a history record and their search rows:
    the demo's open round for the page benchmark's seed size, as the generator leaves it in the
    large city. Returns how many entries are in each state afterwards ("blank": nothing written)."""
    entries = list(round_.entries.filter(state=Entry.State.DRAFT, version=1, status="", implementation="",
                                         evaluation="", future_policy="").select_related("round", "project")
                   .order_by("pk"))
    changed, events = [], []
    for entry in entries:
        steps = _working_state(entry, entry.project.name)
        if entry.version > 1:
            changed.append(entry)
        events += [Event(entry_id=entry.pk, action=action, from_state=from_state, to_state=to_state, comment=comment,
                         snapshot=snapshot) for action, from_state, to_state, comment, snapshot in steps]
    if changed:
        bulk_update_with_history(changed, Entry, ["status", "implementation", "evaluation", "future_policy", "memo",
                                                  "state", "version", "memo_version"], batch_size=500)
        Event.objects.bulk_create(sorted(events, key=lambda e: EVENT_ORDER.index(e.action)), batch_size=BATCH)
        refresh_search(Entry.objects.filter(pk__in=[entry.pk for entry in changed]))
    return Counter("blank" if e.version == 1 else e.state for e in entries)
