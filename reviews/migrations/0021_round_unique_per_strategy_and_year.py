# A round belongs to one strategy, and two strategies (periods or parallel plans) may be evaluated
# in the same fiscal year: a round is unique by strategy and year, no longer by year alone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0007_kpi_carried_total'),
        ('reviews', '0020_kpi_published_definition'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='round',
            options={'ordering': ['-fiscal_year', 'strategy_id'], 'verbose_name': '評価回', 'verbose_name_plural': '評価回'},
        ),
        migrations.AlterField(
            model_name='round',
            name='fiscal_year',
            field=models.PositiveSmallIntegerField(verbose_name='年度'),
        ),
        migrations.AddConstraint(
            model_name='round',
            constraint=models.UniqueConstraint(fields=('strategy', 'fiscal_year'), name='unique_round_per_strategy_and_year'),
        ),
    ]
