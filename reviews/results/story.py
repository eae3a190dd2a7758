"""A project's story: every round's entry side by side, the letter's trend and what changed
between consecutive rounds, as a difference of the texts.

Published rounds show the facts they captured (reviews/facts.py), so each year reads as it was.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import QuerySet
from django.http import Http404
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from projects.history import PROJECT_HISTORY_PREFETCH, project_lineage
from projects.models import Project, ProjectSuccession
from reviews.access import entries_visible_to
from reviews.facts import Facts
from reviews.fields import DEPARTMENT_TEXTS, FIELDS
from reviews.models import Entry

LETTER_RANK = {"A": 4, "B": 3, "C": 2, "D": 1}  # A is best, D worst
# How a page marks a difference's segments (TextChange.marked): the words a screen reader says, and
# the text escaped, as the template's {{ }} would.
SEGMENT_MARKS = {
    "added": '<ins><span class="visually-hidden">［追加］</span>{}</ins>',
    "removed": '<del><span class="visually-hidden">［削除］</span>{}</del>',
}


@dataclass
class Segment:
    kind: str  # "same", "added", "removed"
    text: str


@dataclass
class TextChange:
    label: str
    text: str
    segments: list[Segment] | None  # None for the first round: nothing to compare with
    changed: bool = False

    @property
    def marked(self) -> SafeString:
        """The segments as HTML, added ones in <ins> and removed ones in <del>, every text escaped:
        one string built here rather than a template loop with a test per segment (a long story
        has hundreds of them)."""
        return mark_safe("".join(SEGMENT_MARKS.get(segment.kind, "{}").format(conditional_escape(segment.text))
                                 for segment in self.segments or ()))


@dataclass
class Chapter:
    entry: Entry
    facts: Facts
    trend: str  # "", "上がった", "下がった", "変わらない"
    texts: list[TextChange] = field(default_factory=list)


def difference(old: str, new: str) -> list[Segment]:
    """The new text with what was added and removed since the old one, character by character
    (Japanese has no spaces to split words on)."""
    segments: list[Segment] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", new[b1:b2]))
            continue
        if a2 > a1:
            segments.append(Segment("removed", old[a1:a2]))
        if b2 > b1:
            segments.append(Segment("added", new[b1:b2]))
    return segments


def trend(previous: str, current: str) -> str:
    if not previous or not current:
        return ""
    before, after = LETTER_RANK.get(previous, 0), LETTER_RANK.get(current, 0)
    return "上がった" if after > before else "下がった" if after < before else "変わらない"


def project_story(user, project_pk: int) -> tuple[Project, list[Chapter]]:
    """The project and its chapters, oldest round first, in the rounds this user may see;
    404 when they may see none of them (another department's project looks like a missing one)."""
    return story_of(entries_visible_to(user), project_pk)


def story_of(visible: QuerySet[Entry], project_pk: int) -> tuple[Project, list[Chapter]]:
    """The project's chapters among the ``visible`` entries (a user's, or the public's): its own
    rounds and those of the projects it continues or that merged into it (its lineage,
    projects.history), oldest first, so the story goes on across renames, merges and periods."""
    if not 0 < project_pk < 2**63:  # beyond any database's integer: no such project
        raise Http404("事業が見つかりません。")
    project = Project.objects.filter(pk=project_pk).first()
    lineage = project_lineage(project) if project else []
    entries = list(
        visible.filter(project__in=lineage)
        .select_related("round__strategy", "project__policy__goal")
        .prefetch_related(*PROJECT_HISTORY_PREFETCH)
        .order_by("round__fiscal_year", "round__strategy__first_year", "project_id")
    )
    if not entries:
        raise Http404("事業が見つかりません。")
    chapters: list[Chapter] = []
    last_of: dict[int, Entry] = {}  # each project's latest entry so far
    predecessors = _predecessors(lineage)
    for entry in entries:
        # Compared with the project's own previous round, else with what it continues (a merged
        # or carried project's latest entry of an earlier year, never one beside it in the same year).
        previous = last_of.get(entry.project_id) or _latest(
            [last_of[p] for p in predecessors.get(entry.project_id, ())
             if p in last_of and last_of[p].round.fiscal_year < entry.round.fiscal_year])
        chapter = Chapter(entry, entry.facts, trend(previous.status if previous else "", entry.status))
        for name in DEPARTMENT_TEXTS:
            label = entry.round.implementation_heading if name == "implementation" else FIELDS[name].label
            new = getattr(entry, name)
            old = getattr(previous, name) if previous else None
            # Nothing written yet (a new draft) is not a deletion of last year's text.
            compared = old is not None and bool(new)
            segments = difference(old, new) if compared else None
            chapter.texts.append(TextChange(label, new, segments, changed=compared and old != new))
        chapters.append(chapter)
        last_of[entry.project_id] = entry
    return project, chapters


def latest_chapter(project: Project, chapters: list[Chapter]) -> Chapter:
    """What heads the project's page: its own latest chapter, not that of a project merged into it."""
    own = [chapter for chapter in chapters if chapter.entry.project_id == project.pk]
    return (own or chapters)[-1]


def _predecessors(lineage: list[Project]) -> dict[int, list[int]]:
    links = ProjectSuccession.objects.filter(successor__in=lineage).values_list("successor_id", "predecessor_id")
    result: dict[int, list[int]] = {}
    for successor, predecessor in links:
        result.setdefault(successor, []).append(predecessor)
    return result


def _latest(entries: list[Entry]) -> Entry | None:
    return max(entries, key=lambda e: e.round.fiscal_year) if entries else None
