# Kept sheets, previews waiting for confirmation and the admin's flat imports between their two
# steps live in the database (reviews.StoredFile, reviews.sheets.storage.DatabaseStorage), so that
# any app server can finish what another began. This moves the sheets kept so far under MEDIA_ROOT
# into it (when UPLOAD_STORAGE is "database", the default). The files on disk are left as they
# were, to be removed once a backup holds them; a file that cannot be found is reported, not fatal.

import logging
from datetime import UTC, datetime
from pathlib import Path

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

logger = logging.getLogger(__name__)

PENDING_DIR = "sheets/pending"  # reviews.sheets.uploads.PENDING_DIR when this was written


def copy_files_into_database(SheetUpload, StoredFile, root: Path) -> tuple[int, list[str]]:
    """Copy every kept sheet named by a SheetUpload, and every preview waiting under
    sheets/pending, from ``root`` into StoredFile under the same name. Returns how many were
    copied and the names of the kept sheets that were not found (each logged as a warning)."""
    root = Path(root)
    names = [name for name in SheetUpload.objects.exclude(file="").values_list("file", flat=True)]
    pending = root / PENDING_DIR
    if pending.is_dir():
        names += [f"{PENDING_DIR}/{path.name}" for path in sorted(pending.iterdir()) if path.is_file()]
    copied, missing = 0, []
    for name in names:
        if StoredFile.objects.filter(name=name).exists():
            continue
        path = root / name
        try:
            data = path.read_bytes()
            written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        except OSError as error:
            missing.append(name)
            logger.warning("Kept sheet %s not found under %s (%s): its upload's record stays, without the file.",
                           name, root, error.strerror or error)
            continue
        StoredFile.objects.create(name=name, content=data, size=len(data), created_at=written, modified_at=written)
        copied += 1
    if copied or missing:
        logger.warning("Copied %d file(s) from %s into the database (the originals stay on disk); %d not found.",
                       copied, root, len(missing))
    return copied, missing


def move_kept_files(apps, schema_editor):
    if getattr(settings, "UPLOAD_STORAGE", "database") != "database":
        return  # they stay under MEDIA_ROOT, where the "files" storage reads them
    copy_files_into_database(apps.get_model("reviews", "SheetUpload"), apps.get_model("reviews", "StoredFile"),
                             Path(settings.MEDIA_ROOT))


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0021_round_unique_per_strategy_and_year'),
    ]

    operations = [
        migrations.CreateModel(
            name='StoredFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=255, unique=True, verbose_name='名前')),
                ('content', models.BinaryField(verbose_name='内容')),
                ('size', models.PositiveBigIntegerField(verbose_name='大きさ（バイト）')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='作成日時')),
                ('modified_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='更新日時')),
            ],
            options={
                'verbose_name': '保存ファイル',
                'verbose_name_plural': '保存ファイル',
            },
        ),
        migrations.RunPython(move_kept_files, migrations.RunPython.noop),
    ]
