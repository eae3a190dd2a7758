"""The published record: what a round captures when it is published, so that it never changes.

Every path that makes a published round calls one of these: publishing (reviews.rounds.life), and
loading a past round from a sheet (reviews.sheets.loading, which the seed uses too).
"""

from projects.history import PROJECT_HISTORY_PREFETCH, department_name_in
from reviews.facts import Facts, live_facts
from reviews.kpis.records import captured_kpi
from reviews.models import Answer, Entry, KpiActual, Round
from reviews.search.index import write_search_rows


def capture_from_hierarchy(round_: Round) -> None:
    """Capture each entry's project facts as the hierarchy holds them now, and the strategy's
    name; called inside the transaction that publishes the round."""
    entries = list(
        Entry.objects.filter(round=round_)
        .select_related("project__policy__goal")
        .prefetch_related(*PROJECT_HISTORY_PREFETCH)
    )
    rows = []
    for entry in entries:
        facts = live_facts(entry.project, round_.fiscal_year)
        entry.published_facts = facts.to_json()
        rows.append(entry.search_row(facts))
    Entry.objects.bulk_update(entries, ["published_facts"], batch_size=500)
    write_search_rows(rows)
    capture_strategy_name(round_, round_.strategy.name)
    # The committee's answers published with the round keep their department's name of that day.
    answers = list(Answer.objects.filter(round=round_).select_related("department")
                   .prefetch_related("department__former_names"))
    for answer in answers:
        answer.department_name = department_name_in(answer.department, round_.fiscal_year)
    Answer.objects.bulk_update(answers, ["department_name"])
    # Each KPI's definition as the round rates it: an edit in the admin later never re-rates it.
    actuals = list(KpiActual.objects.filter(round=round_).select_related("kpi").prefetch_related("kpi__yearly_targets"))
    for actual in actuals:
        actual.published_kpi = captured_kpi(actual.kpi)
    KpiActual.objects.bulk_update(actuals, ["published_kpi"])


def printed_facts(facts: Facts | None) -> dict:
    """What a past round's entry captures when it is loaded from its sheet: the facts as printed."""
    return facts.to_json() if facts is not None else {}


def capture_strategy_name(round_: Round, strategy_name: str) -> None:
    """A past round's sheet title names its strategy as it was then."""
    Round.objects.filter(pk=round_.pk).update(published_strategy_name=strategy_name)
    round_.published_strategy_name = strategy_name
