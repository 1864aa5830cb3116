from django.db import migrations, models


class Migration(migrations.Migration):
    # The plan's query (cases.services.sweep.plan) as an index-only scan: the agenda's index carries
    # index_id too, so a day's ~10,000 rows are read from a few index pages instead of one heap page
    # each (177 ms → 5 ms at 1,000,000 open cases, cold).

    dependencies = [
        ('caseindex', '0010_sweep_agenda'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='sweepagenda',
            name='sweep_agenda_day',
        ),
        migrations.AddIndex(
            model_name='sweepagenda',
            index=models.Index(fields=['sweep_next'], include=('holder_id', 'index_id'), name='sweep_agenda_day'),
        ),
    ]
