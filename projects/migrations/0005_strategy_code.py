from django.db import migrations, models


def fill_codes(apps, schema_editor):
    """Existing strategies get the code Strategy.save would give them: senryaku-<first year>."""
    Strategy = apps.get_model("projects", "Strategy")
    taken = set()
    for strategy in Strategy.objects.order_by("pk"):
        base = f"senryaku-{strategy.first_year}" if strategy.first_year else "senryaku"
        code, number = base, 1
        while code in taken:
            number += 1
            code = f"{base}-{number}"
        taken.add(code)
        strategy.code = code
        strategy.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_digest_setting"),
    ]

    operations = [
        migrations.AddField(
            model_name="strategy",
            name="code",
            # No index yet: on PostgreSQL the unique one below would otherwise create its "_like"
            # index a second time.
            field=models.SlugField(blank=True, db_index=False, max_length=50, null=True, verbose_name="URL用の名前"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="strategy",
            name="code",
            field=models.SlugField(
                blank=True, max_length=50, unique=True, verbose_name="URL用の名前",
                help_text="公開ページとオープンデータの URL に使う半角英数字（例: senryaku-2015）。空欄なら開始年度から作ります。"
                          "公開後に変えると、公開済みの URL が変わります。",
            ),
        ),
    ]
