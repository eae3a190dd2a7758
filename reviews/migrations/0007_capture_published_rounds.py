"""Rounds published before the record was captured capture it now, from the hierarchy as it is
(the best that is left of what they showed); from then on nothing in the admin changes them."""

from django.db import migrations


def capture(apps, schema_editor):
    Round = apps.get_model("reviews", "Round")
    Entry = apps.get_model("reviews", "Entry")
    ProjectDepartment = apps.get_model("projects", "ProjectDepartment")
    for round_ in Round.objects.filter(state="published").select_related("strategy"):
        entries = list(Entry.objects.filter(round=round_, published_facts={}).select_related("project__policy__goal"))
        names: dict[int, list[str]] = {}
        links = (ProjectDepartment.objects.filter(project__entries__round=round_).order_by("project_id", "position")
                 .values_list("project_id", "department__name"))
        for project_id, name in links:
            names.setdefault(project_id, []).append(name)
        for entry in entries:
            project = entry.project
            policy, goal = project.policy, project.policy.goal
            entry.published_facts = {
                "project_name": project.name, "description": project.description, "category": project.category,
                "departments": names.get(project.pk, []), "goal_number": goal.number, "goal_title": goal.title,
                "goal_project_label": goal.project_label, "policy_title": policy.title,
                "policy_order": policy.order, "project_order": project.order,
            }
        Entry.objects.bulk_update(entries, ["published_facts"], batch_size=500)
        if not round_.published_strategy_name:
            Round.objects.filter(pk=round_.pk).update(published_strategy_name=round_.strategy.name)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0006_published_facts")]

    operations = [migrations.RunPython(capture, migrations.RunPython.noop)]
