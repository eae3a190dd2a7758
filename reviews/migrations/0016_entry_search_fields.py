import django.db.models.deletion
from django.db import migrations, models

from reviews.search.text import departments_key, entry_search_text


def fill_search_rows(apps, schema_editor):
    """Each existing entry gets the search row Entry.save now keeps: from its captured facts, else
    the live ones."""
    Entry = apps.get_model("reviews", "Entry")
    EntrySearch = apps.get_model("reviews", "EntrySearch")
    links = {}
    for link in apps.get_model("projects", "ProjectDepartment").objects.select_related("department").order_by(
            "project_id", "position"):
        links.setdefault(link.project_id, []).append(link.department.name)
    rows = []
    for entry in Entry.objects.select_related("project__policy__goal"):
        facts = entry.published_facts
        if facts:
            name, description = facts["project_name"], facts["description"]
            departments, goal = facts["departments"], facts["goal_number"]
        else:
            project = entry.project
            name, description = project.name, project.description
            departments, goal = links.get(project.pk, []), project.policy.goal.number
        rows.append(EntrySearch(entry_id=entry.pk, goal=goal, departments=departments_key(departments),
                                text=entry_search_text(name, description, entry.implementation, entry.evaluation,
                                                       entry.future_policy)))
    EntrySearch.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0015_opinion_subject_title'),
    ]

    operations = [
        migrations.CreateModel(
            name='EntrySearch',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search', serialize=False, to='reviews.entry', verbose_name='評価')),
                ('text', models.TextField(blank=True, verbose_name='検索用の文字列')),
                ('departments', models.TextField(blank=True, help_text='|商工観光課|企画課| の形', verbose_name='検索用の担当課')),
                ('goal', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='検索用の基本目標番号')),
            ],
            options={
                'verbose_name': '評価の検索用データ',
                'verbose_name_plural': '評価の検索用データ',
            },
        ),
        migrations.RunPython(fill_search_rows, migrations.RunPython.noop),
    ]
