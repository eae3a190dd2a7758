"""Remove control characters (other than tab and line breaks) and bidirectional overrides from the
texts people read: entries, rounds and the hierarchy. Each change is recorded in TextRepair. The
append-only records (events, messages, field history) keep what was written; outputs strip it."""

import re

from django.db import migrations

UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")

FIELDS = {
    ("reviews", "Entry"): ("implementation", "evaluation", "future_policy", "memo"),
    ("reviews", "Round"): ("title", "implementation_heading", "legend"),
    ("projects", "Strategy"): ("name",),
    ("projects", "Department"): ("name",),
    ("projects", "Goal"): ("title", "project_label"),
    ("projects", "Policy"): ("title",),
    ("projects", "Project"): ("name", "description"),
}


def remove_control_characters(apps, schema_editor):
    TextRepair = apps.get_model("reviews", "TextRepair")
    for (app_label, model_name), names in FIELDS.items():
        model = apps.get_model(app_label, model_name)
        for obj in model.objects.all().only("pk", *names).iterator():
            changed = {}
            for name in names:
                before = getattr(obj, name) or ""
                after = UNSAFE.sub("", before)
                if after != before:
                    changed[name] = after
                    TextRepair.objects.create(table=model._meta.db_table, object_id=str(obj.pk), field=name,
                                              before=before, after=after)
            if changed:
                # update() rather than save(): no history row, no version bump, nothing else touched.
                model.objects.filter(pk=obj.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_safe_text_and_repairs"),
        ("projects", "0003_safe_text"),
    ]

    operations = [migrations.RunPython(remove_control_characters, migrations.RunPython.noop)]
