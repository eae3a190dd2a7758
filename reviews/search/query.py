"""Search across all rounds: any part of a project's name, 事業内容 or the three texts, with
filters by goal, department, letter and fiscal year, among the entries the caller may see.

Both sides of the comparison are folded (reviews.search.text): the stored search text and the
query. On PostgreSQL the `contains` lookup (LIKE '%…%') uses the trigram index of migration 0017;
a word of one or two characters has no trigram and the database scans instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.db.models import F, QuerySet

from projects.fiscal_year import format_fiscal_year, parse_fiscal_year
from projects.forms import SafeCharField, match_name
from projects.text import normalize_name
from projects.validators import validate_safe_text
from reviews.facts import Facts, facts_of_rows
from reviews.fields import EVALUATION, FUTURE_POLICY, IMPLEMENTATION
from reviews.models import Entry, several_strategies
from reviews.search.text import Piece, entry_search_text, excerpt, fold, terms_of

RESULT_LIMIT = 100


def _is_a_department(text: str) -> bool:
    """Whether ``text`` is (part of) one department's name, now or before a rename."""
    from projects.models import Department, DepartmentFormerName

    names = [*Department.objects.values_list("name", flat=True),
             *DepartmentFormerName.objects.values_list("name", flat=True)]
    wanted = normalize_name(text)
    return any(wanted and wanted in normalize_name(name) for name in names)


class SearchForm(forms.Form):
    q = SafeCharField(label="探す言葉", required=False, max_length=200, validators=[validate_safe_text],
                        help_text="事業名・事業内容・実施内容・評価・今後の方針から探します。空白で区切ると、すべてを含むものを探します。",
                        error_messages={"max_length": "探す言葉は200文字以内で入力してください。"})
    goal = forms.TypedChoiceField(label="基本目標", required=False, coerce=int, empty_value=None)
    department = forms.CharField(label="担当課", required=False, max_length=100,
                                 help_text="部署名（の一部でも、一つに決まれば構いません）。")
    status = forms.ChoiceField(label="実施状況", required=False,
                               choices=[("", "すべて"), *[(s, s) for s in Entry.Status.values]])
    year = forms.CharField(label="年度", required=False, max_length=20,
                           help_text="例: 2019、令和元年度、R1、H31")

    def __init__(self, *args, entries: QuerySet[Entry], elsewhere: str = "", **kwargs):
        """The choices are the goals and departments of the ``entries`` searched, as their rounds
        show them: the public never sees a goal or department of an unpublished round, and a
        department renamed since still finds the rounds published under its old name."""
        super().__init__(*args, **kwargs)
        # Without the entries' own order: DISTINCT then counts the ordering columns too (one
        # 基本目標 option per entry, as an outside test found).
        entries = entries.order_by()
        numbers = sorted({n for n in entries.values_list("search__goal", flat=True).distinct() if n is not None})
        self.fields["goal"].choices = [("", "すべて"), *[(n, f"基本目標{n}") for n in numbers]]
        keys = entries.values_list("search__departments", flat=True).distinct()
        names = sorted({name for key in keys for name in key.strip("|").split("|") if name})
        # Typed and matched among these (a big city has ~1,000 departments: no select of them all).
        self.department_names = names
        # Said when the typed name is a department whose entries this search does not hold.
        self.elsewhere = elsewhere
        for name in ("goal", "status"):
            self.fields[name].error_messages["invalid_choice"] = "一覧から選んでください。"

    def clean_department(self) -> str:
        text = self.cleaned_data["department"].strip()
        if not text:
            return ""
        try:
            return match_name(text, [(n, n) for n in self.department_names])
        except forms.ValidationError:
            if self.elsewhere and _is_a_department(text):
                raise forms.ValidationError(self.elsewhere.format(name=text)) from None
            raise

    def clean_year(self) -> int | None:
        text = self.cleaned_data["year"].strip()
        if not text:
            return None
        try:
            return parse_fiscal_year(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    @property
    def year_label(self) -> str:
        year = self.cleaned_data.get("year") if self.is_valid() else None
        return format_fiscal_year(year) if year else ""


@dataclass
class Hit:
    entry_id: int
    project_id: int
    round_title: str
    fiscal_year: int
    status: str
    facts: Facts
    name: list[Piece]
    matches: list[tuple[str, list[Piece]]] = field(default_factory=list)  # (label, excerpt)


@dataclass
class Result:
    total: int
    hits: list[Hit]
    terms: list[str]

    @property
    def more(self) -> bool:
        return self.total > len(self.hits)


def _found_by_names_not_shown(entries: QuerySet[Entry], found: QuerySet[Entry], terms: list[str]) -> list[int]:
    """The entries of ``found`` that hold the ``terms`` only through a name of their project that
    none of the (published) ``entries`` shows. A search row holds every name its project has had,
    one given from a year still in progress too; only a renamed project has such names, so only
    its entries are read, a few queries whatever the number of entries."""
    from projects.models import ProjectFormerName

    names: dict[int, set[str]] = {}
    for project_id, former, current in ProjectFormerName.objects.values_list("project_id", "name", "project__name"):
        names.setdefault(project_id, {current}).add(former)
    if not names:
        return []
    shown: dict[int, set[str]] = {}
    for project_id, name in (entries.filter(project_id__in=list(names)).order_by()
                             .values_list("project_id", "published_facts__project_name").distinct()):
        shown.setdefault(project_id, set()).add(name)
    # The projects of which a name no published round shows holds one of the words.
    doubtful = [project_id for project_id, all_names in names.items()
                if any(term in fold(name) for name in all_names - shown.get(project_id, set()) for term in terms)]
    if not doubtful:
        return []
    hidden = []
    for facts, row in facts_of_rows(found.filter(project_id__in=doubtful), "pk", "implementation", "evaluation",
                                    "future_policy"):
        # The row as it would be with the project's published names only.
        text = entry_search_text(facts.project_name, facts.description, row["implementation"], row["evaluation"],
                                 row["future_policy"],
                                 other_names=sorted(shown.get(row["project_id"], set()) - {facts.project_name}))
        if not all(term in text for term in terms):
            hidden.append(row["pk"])
    return hidden


def search(entries: QuerySet[Entry], *, q: str = "", goal: int | None = None, department: str = "",
           status: str = "", year: int | None = None, limit: int = RESULT_LIMIT,
           published_names_only: bool = False) -> Result:
    """The entries among ``entries`` that contain every word of ``q`` and pass the filters, the
    newest round first, with the matches marked in the original text. ``published_names_only``
    (the public side, whose ``entries`` are published): a project is found by the names its
    published rounds showed, not by one given from a year still in progress."""
    terms = terms_of(q)
    found = entries
    for term in terms:
        found = found.filter(search__text__contains=term)
    if published_names_only and terms:
        found = found.exclude(pk__in=_found_by_names_not_shown(entries, found, terms))
    if goal:
        found = found.filter(search__goal=goal)
    if department:
        found = found.filter(search__departments__contains=f"|{department}|")
    if status:
        found = found.filter(status=status)
    if year:
        found = found.filter(round__fiscal_year=year)
    total = found.count()
    ids = list(found.order_by("-round__fiscal_year", "search__goal", "project__policy__order", "project__order", "pk")
               .values_list("pk", flat=True)[:limit])
    order = {pk: i for i, pk in enumerate(ids)}
    pairs = facts_of_rows(Entry.objects.filter(pk__in=ids), "pk", "status", "implementation", "evaluation",
                          "future_policy", round_title=F("round__title"), fiscal_year=F("round__fiscal_year"),
                          strategy_name=F("round__strategy__name"))
    hits = []
    for facts, row in sorted(pairs, key=lambda pair: order[pair[1]["pk"]]):
        # Two plans may each have a round of the year: name the plan too, as every screen does.
        title = f"{row['round_title']}（{row['strategy_name']}）" if several_strategies() else row["round_title"]
        hit = Hit(row["pk"], row["project_id"], title, row["fiscal_year"], row["status"], facts,
                  excerpt(facts.project_name, terms, around=200) or [Piece(facts.project_name, False)])
        for label, text in (("事業内容", facts.description), (IMPLEMENTATION.label, row["implementation"]),
                            (EVALUATION.short_label, row["evaluation"]), (FUTURE_POLICY.short_label, row["future_policy"])):
            pieces = excerpt(text, terms) if terms else None
            if pieces:
                hit.matches.append((label, pieces))
        hits.append(hit)
    return Result(total, hits, terms)
