"""Which strategy a fiscal year means, and which round a year (and a strategy) names.

A city runs more than one strategy: periods one after another, or parallel plans evaluated in the
same year. A strategy is *active* in a fiscal year when its years cover it (first_year … last_year;
a year left blank is open). Where one strategy is active, or only one round has the year, the year
alone names a round; otherwise the strategy must be named (``--strategy`` on the commands, a choice
on the screens). Every caller — commands, screens, loading a sheet — resolves rounds here, so the
rule lives once (docs/domain.md, "A round's life").
"""

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from projects.fiscal_year import format_fiscal_year_with_western
from projects.models import Strategy
from projects.text import normalize_name
from reviews.models import Round, forget_strategy_count


class YearError(Exception):
    """A year (or a strategy) that does not name exactly one round or strategy; ``message`` says
    why in Japanese and names the candidates."""

    def __init__(self, message: str, candidates: list[Strategy] | tuple = ()):
        super().__init__(message)
        self.message = message
        self.candidates = list(candidates)


class RoundNotFound(YearError):
    """No round of that year (in that strategy)."""


class StrategyNeeded(YearError):
    """Several strategies could be meant: the caller must say which."""


def is_active_in(strategy: Strategy, year: int) -> bool:
    """Whether the strategy's years cover fiscal year ``year`` (a blank first or last year is open)."""
    return ((strategy.first_year is None or strategy.first_year <= year)
            and (strategy.last_year is None or year <= strategy.last_year))


def strategies_active_in(year: int, strategies=None) -> list[Strategy]:
    """The strategies active in fiscal year ``year`` (of ``strategies``, or of all), in their order."""
    return [s for s in (Strategy.objects.all() if strategies is None else strategies) if is_active_in(s, year)]


def describe_strategies(strategies) -> str:
    """The strategies as an error message lists them: `senryaku-2015（入間市…総合戦略）、…`."""
    return "、".join(f"{s.code}（{s.name}）" for s in strategies)


def find_strategy(text: str) -> Strategy:
    """The strategy named by its code (senryaku-2015) or its name (spaces and full-width letters
    do not count); StrategyNeeded naming every strategy if none is."""
    wanted = (text or "").strip()
    strategies = list(Strategy.objects.all())
    for strategy in strategies:
        if strategy.code.lower() == wanted.lower() or normalize_name(strategy.name) == normalize_name(wanted):
            return strategy
    raise StrategyNeeded(f"総合戦略「{wanted}」は登録されていません。登録されている総合戦略: "
                         f"{describe_strategies(strategies) or 'なし'}。", strategies)


def latest_round(strategy: Strategy, before: int | None = None) -> Round | None:
    """The strategy's latest round (before fiscal year ``before`` when given): the one the next is made from."""
    rounds = Round.objects.filter(strategy=strategy).select_related("strategy")
    if before is not None:
        rounds = rounds.filter(fiscal_year__lt=before)
    return rounds.order_by("-fiscal_year").first()


def find_round(year: int, strategy: Strategy | None = None, *, rounds: QuerySet[Round] | None = None) -> Round:
    """The round fiscal year ``year`` names (in ``strategy`` when given; among ``rounds`` when
    given, e.g. those a user may see). One round of that year is it; of several, the one of the
    only strategy active that year. RoundNotFound when there is none; StrategyNeeded, naming the
    candidates' strategies, when the year alone does not say which."""
    candidates = (Round.objects.all() if rounds is None else rounds).filter(fiscal_year=year)
    if strategy is not None:
        candidates = candidates.filter(strategy=strategy)
    candidates = list(candidates.select_related("strategy").order_by("strategy__first_year", "strategy_id"))
    if len(candidates) == 1:
        return candidates[0]
    year_text = format_fiscal_year_with_western(year)
    if not candidates:
        where = f"{strategy.name}の" if strategy is not None else ""
        raise RoundNotFound(f"{where}{year_text}の評価回はありません。")
    active = [r for r in candidates if is_active_in(r.strategy, year)]
    if len(active) == 1:
        return active[0]
    strategies = [r.strategy for r in candidates]
    raise StrategyNeeded(f"{year_text}の評価回は {len(candidates)} つの総合戦略にあります: {describe_strategies(strategies)}。"
                         "どの総合戦略の評価回かを指定してください。", strategies)


def round_to_import(year: int, strategy: Strategy | None = None) -> Round | None:
    """The round a sheet of fiscal year ``year`` updates, or None when it is loaded as a new round
    (whose strategy the sheet's title names). Without ``strategy`` the year must not be shared by
    several active strategies: a sheet could then update one strategy's round or start the
    other's, so StrategyNeeded names them."""
    if strategy is None:
        active = strategies_active_in(year)
        if len(active) > 1:
            raise StrategyNeeded(f"{format_fiscal_year_with_western(year)}は {len(active)} つの総合戦略の期間です: "
                                 f"{describe_strategies(active)}。どの総合戦略の入力表かを指定してください。", active)
    try:
        return find_round(year, strategy)
    except RoundNotFound:
        return None


def connect() -> None:
    """Count the strategies afresh (several_strategies) whenever one is saved or deleted; called
    once from the app's ready()."""
    post_save.connect(forget_strategy_count, sender=Strategy, dispatch_uid="strategies-saved")
    post_delete.connect(forget_strategy_count, sender=Strategy, dispatch_uid="strategies-deleted")
