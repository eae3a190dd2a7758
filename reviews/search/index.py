"""Keeping the entries' search fields true when what they were built from changes elsewhere.

Entry.save fills them from its texts and facts; the facts of a round that is not published are
the live hierarchy's, so renaming a project or a department, moving a project or renumbering a
goal refreshes those entries here (a published round's captured facts never change).
"""

from django.db.models import F, QuerySet
from django.db.models.signals import post_delete, post_save

from projects.models import Department, Goal, Policy, Project, ProjectDepartment, ProjectFormerName
from reviews.facts import facts_of_rows
from reviews.models import Entry, EntrySearch, Round


def write_search_rows(rows: list[EntrySearch]) -> None:
    """Store the entries' search rows, replacing any they had (the bulk paths' Entry.save)."""
    EntrySearch.objects.filter(pk__in=[row.entry_id for row in rows]).delete()
    EntrySearch.objects.bulk_create(rows, batch_size=500)


def refresh(entries: QuerySet[Entry]) -> int:
    """Recompute the search rows of ``entries`` in a few queries; returns how many."""
    pairs = facts_of_rows(entries, "pk", "implementation", "evaluation", "future_policy",
                          current_name=F("project__name"))
    names: dict[int, set[str]] = {}
    for project_id, name in ProjectFormerName.objects.filter(
            project_id__in=entries.order_by().values("project_id")).values_list("project_id", "name"):
        names.setdefault(project_id, set()).add(name)
    rows = []
    for facts, row in pairs:
        entry = Entry(pk=row["pk"], implementation=row["implementation"], evaluation=row["evaluation"],
                      future_policy=row["future_policy"])
        rows.append(entry.search_row(facts, names={row["current_name"], *names.get(row["project_id"], ())}))
    write_search_rows(rows)
    return len(rows)


def _live(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return entries.exclude(round__state=Round.State.PUBLISHED)


def _project_changed(sender, instance: Project, **kwargs) -> None:
    refresh(_live(Entry.objects.filter(project=instance)))



def _link_changed(sender, instance: ProjectDepartment, **kwargs) -> None:
    refresh(_live(Entry.objects.filter(project_id=instance.project_id)))


def _department_changed(sender, instance: Department, **kwargs) -> None:
    if not kwargs.get("created"):
        refresh(_live(Entry.objects.filter(project__departments=instance)))


def _goal_changed(sender, instance: Goal, **kwargs) -> None:
    if not kwargs.get("created"):
        refresh(_live(Entry.objects.filter(project__policy__goal=instance)))


def _policy_changed(sender, instance: Policy, **kwargs) -> None:
    if not kwargs.get("created"):
        refresh(_live(Entry.objects.filter(project__policy=instance)))


def connect() -> None:
    """Called once from ReviewsConfig.ready()."""
    post_save.connect(_project_changed, sender=Project, dispatch_uid="search-project")
    post_save.connect(_link_changed, sender=ProjectDepartment, dispatch_uid="search-link-saved")
    post_delete.connect(_link_changed, sender=ProjectDepartment, dispatch_uid="search-link-deleted")
    post_save.connect(_department_changed, sender=Department, dispatch_uid="search-department")
    post_save.connect(_goal_changed, sender=Goal, dispatch_uid="search-goal")
    post_save.connect(_policy_changed, sender=Policy, dispatch_uid="search-policy")
