"""Everything in one file and back: the work behind `manage.py backup` and `manage.py restore`.

A backup is one gzip-compressed JSON Lines file, a record a line, written and read as a stream (a
large city's ten years of rounds never sit in memory at once):

1. a header: what wrote it, when, from which database, and the migrations the database had;
2. every row of every table, model by model, as Django's serializers write them (`model`, `pk`,
   `fields`, primary keys kept), many-to-many tables as rows of their own; sessions and sign-in
   throttling records (django-axes) are left out, so everyone signs in again after a restore;
3. the bytes of every file a row names that lives on a disk (a kept sheet under MEDIA_ROOT, with
   `UPLOAD_STORAGE=files`), base64 with its size and SHA-256; files kept in the database are
   rows of their own table and travel with the tables;
4. a trailer with the counts, so that a file cut short is refused before anything is written.

The restore refuses a database that holds anything, brings the empty one to the migrations of the
backup, loads every row in one transaction through the models as they were at those migrations,
writes the files, resets PostgreSQL's sequences, and then runs the migrations the code has since
added (so a backup taken before an upgrade restores into the upgraded code). It works the same on
SQLite and PostgreSQL, and between them.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.apps import apps as global_apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import base as serializer_base
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JsonLinesSerializer
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BACKUP_FORMAT = "iruma-eval-backup"
BACKUP_FORMAT_VERSION = 1
# Left out of every backup: sessions (everyone signs in again) and django-axes' sign-in records.
BACKUP_SKIPPED_APPS = frozenset({"sessions", "axes"})
# What `migrate` alone writes into an empty database; the restore replaces these rows with the backup's.
MIGRATE_WRITES = ("django_migrations", "django_content_type", "auth_permission")
INSERT_BATCH = 500


class BackupError(Exception):
    """Said to the person running the command, in Japanese, and nothing was changed."""


@dataclass
class Summary:
    rows: int = 0
    files: int = 0
    per_model: dict[str, int] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Writing


class _ExactEncoder(DjangoJSONEncoder):
    """Django's JSON, but times keep their microseconds (Django's rounds them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _RowSerializer(JsonLinesSerializer):
    """Django's JSON Lines, with many-to-many links left to their own tables' rows (so that those
    rows keep their ids and a restore is the same database, row by row)."""

    def handle_m2m_field(self, obj, field):
        pass


def backed_up_models() -> list[type[models.Model]]:
    """Every table of the installation except sessions and sign-in throttling records."""
    return [
        model for model in global_apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
        and model._meta.app_label not in BACKUP_SKIPPED_APPS
    ]


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _on_disk(storage) -> bool:
    """Files in a storage on a disk go into the backup; a database storage's bytes are table rows."""
    return isinstance(storage, FileSystemStorage)


def applied_migrations(using: str) -> list[list[str]]:
    executor = MigrationExecutor(connections[using])
    graph = executor.loader.graph
    pending = executor.migration_plan(graph.leaf_nodes())
    if pending:
        names = "、".join(f"{m.app_label}.{m.name}" for m, _backwards in pending[:5])
        raise BackupError(
            f"適用されていないマイグレーションがあります（{names} など）。"
            "python manage.py migrate を実行してからバックアップしてください。"
        )
    return sorted([app, name] for app, name in executor.loader.applied_migrations if (app, name) in graph.nodes)


def write_backup(path: Path, using: str = DEFAULT_DB_ALIAS,
                 progress: Callable[[str], None] | None = None) -> Summary:
    """Write the whole installation to `path` (through a temporary file renamed at the end)."""
    connection = connections[using]
    summary = Summary()
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} はフォルダです。書き出すファイルの名前まで指定してください"
                          f"（例: {path / 'iruma-eval-backup.jsonl.gz'}）。")
    if not path.parent.is_dir():
        raise BackupError(f"書き出し先のフォルダ {path.parent} がありません。先に作成してください"
                          f"（例: mkdir -p {path.parent}）。")
    partial = path.with_name(path.name + ".partial")
    try:
        # Readable by the owner only, whatever the umask: the file holds every entry and password hash.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # also when a killed run left the partial file with another mode
    except OSError as error:
        raise BackupError(f"{partial} に書き込めません（{error.strerror}）。") from None
    try:
        with (open(descriptor, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8", newline="\n") as out,
              transaction.atomic(using=using)):
            _consistent_snapshot(connection)
            header = {
                "backup": BACKUP_FORMAT,
                "format": BACKUP_FORMAT_VERSION,
                "created": timezone.now().isoformat(),
                "django": django.get_version(),
                "database": connection.vendor,
                "migrations": applied_migrations(using),
                "skipped": sorted(BACKUP_SKIPPED_APPS),
            }
            out.write(json.dumps(header, ensure_ascii=False) + "\n")
            files: dict[str, tuple[str, object]] = {}
            for model in backed_up_models():
                label = model._meta.label_lower
                rows = model._base_manager.using(using).order_by(model._meta.pk.name)
                count = _write_rows(out, rows.iterator(chunk_size=2000))
                summary.rows += count
                summary.per_model[label] = count
                if progress and count:
                    progress(f"  {label}: {count}")
                for file_field in _file_fields(model):
                    if not _on_disk(file_field.storage):
                        continue
                    names = (model._base_manager.using(using).exclude(**{file_field.attname: ""})
                             .values_list(file_field.attname, flat=True).distinct())
                    for name in names.iterator():
                        files.setdefault(name, (f"{label}.{file_field.name}", file_field.storage))
            for name, (where, storage) in sorted(files.items()):
                if not storage.exists(name):
                    summary.missing_files.append(name)
                    continue
                with storage.open(name, "rb") as stream:
                    content = stream.read()
                out.write(json.dumps({
                    "file": name, "field": where, "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "data": base64.b64encode(content).decode("ascii"),
                }) + "\n")
                summary.files += 1
            out.write(json.dumps({"end": True, "rows": summary.rows, "files": summary.files,
                                  "last_ids": last_ids(connection, backed_up_models())}) + "\n")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return summary


def _consistent_snapshot(connection) -> None:
    """Every table as of one moment while people keep working: on PostgreSQL a repeatable-read
    transaction (its first statement). On SQLite the transaction (IMMEDIATE, see settings) holds
    the write lock, so saves wait the few seconds the backup takes."""
    if connection.vendor != "postgresql":
        return
    if connection.savepoint_ids:
        return  # inside an outer transaction (a test's): its snapshot is the one we read
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def _write_rows(out, objects: Iterator[models.Model]) -> int:
    counter = _Counting(objects)
    _RowSerializer().serialize(counter, stream=out, cls=_ExactEncoder)
    return counter.count


class _Counting:
    def __init__(self, iterable):
        self.iterable = iterable
        self.count = 0

    def __iter__(self):
        for item in self.iterable:
            self.count += 1
            yield item


def _numbered(model_list) -> list[tuple[str, str]]:
    """(table, column) of each model whose primary key the database numbers."""
    return [(m._meta.db_table, m._meta.pk.column) for m in model_list if isinstance(m._meta.pk, models.AutoField)]


def last_ids(connection, model_list) -> dict[str, int]:
    """The last id each table has handed out, deleted rows included, so that a restored database
    never gives a new row the id of a deleted one (whose history rows still carry that id)."""
    found = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            if cursor.fetchone():  # SQLite's own table of AUTOINCREMENT counters (hidden by introspection)
                cursor.execute("SELECT name, seq FROM sqlite_sequence")
                found = dict(cursor.fetchall())
        elif connection.vendor == "postgresql":
            for table, column in _numbered(model_list):
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), column])
                sequence = cursor.fetchone()[0]
                if sequence:
                    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                    value, called = cursor.fetchone()
                    found[table] = value if called else value - 1
    tables = {table for table, _column in _numbered(model_list)}
    return {table: int(value) for table, value in sorted(found.items()) if table in tables and value and value > 0}


def _set_last_ids(connection, loaded, every_model, recorded: dict[str, int]) -> None:
    """Number on from where the backed-up database stood (never below the highest id loaded),
    in tables that came back empty too."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(no_style(), loaded):
                cursor.execute(sql)
        for table, column in _numbered(every_model):
            if table not in recorded and all(m._meta.db_table != table for m in loaded):
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted}")
            value = max(recorded.get(table, 0), cursor.fetchone()[0] or 0)
            if value <= 0:
                continue
            if connection.vendor == "postgresql":
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s, true)", [quoted, column, value])
            elif connection.vendor == "sqlite":
                cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [value, table])
                if not cursor.rowcount:
                    cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, value])


# ---------------------------------------------------------------------------------------------
# Reading


def _records(path: Path) -> Iterator[dict]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        raise BackupError(f"バックアップファイルの {number} 行目が読めません（壊れています）。") from None
    except (OSError, EOFError) as exc:
        raise BackupError(f"バックアップファイルを読めません（途中で切れているか、gzip ではありません）: {exc}") from None


@dataclass
class _Contents:
    header: dict
    trailer: dict
    rows: int
    files: list[tuple[str, str]]  # (name, field label)


def read_contents(path: Path) -> _Contents:
    """Read the whole file once before anything is written: its header, its counts, its files."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"バックアップファイル {path} がありません。")
    records = _records(path)
    header = next(records, None)
    if not isinstance(header, dict) or header.get("backup") != BACKUP_FORMAT:
        raise BackupError(f"{path} は、このシステムの backup コマンドで作ったファイルではありません。")
    if header.get("format") != BACKUP_FORMAT_VERSION:
        raise BackupError(f"{path} の形式（{header.get('format')}）は、このコードでは読めません。")
    rows = 0
    files: list[tuple[str, str]] = []
    trailer = None
    for record in records:
        if trailer is not None:
            raise BackupError("バックアップファイルの終わりの後にも行があります（壊れています）。")
        if "model" in record:
            rows += 1
        elif "file" in record:
            content = _file_bytes(record)
            files.append((record["file"], record.get("field", "")))
            del content
        elif record.get("end"):
            trailer = record
        else:
            raise BackupError("バックアップファイルに知らない種類の行があります（壊れています）。")
    if trailer is None or trailer.get("rows") != rows or trailer.get("files") != len(files):
        raise BackupError("バックアップファイルが途中で切れています（最後の行がないか、件数が合いません）。"
                          "復元には使えません。")
    return _Contents(header, trailer, rows, files)


def _file_bytes(record: dict) -> bytes:
    content = base64.b64decode(record["data"])
    if len(content) != record.get("size") or hashlib.sha256(content).hexdigest() != record.get("sha256"):
        raise BackupError(f"バックアップ内のファイル {record['file']} が壊れています（大きさかハッシュが合いません）。")
    return content


def _storage_for(field_label: str):
    """The storage the file's field uses in this code (its model may have changed since)."""
    try:
        app_label, model_name, field_name = field_label.split(".")
        return global_apps.get_model(app_label, model_name)._meta.get_field(field_name).storage
    except (LookupError, ValueError):
        return default_storage


def tables_with_data(using: str) -> list[str]:
    """Tables that hold rows other than what `migrate` writes by itself."""
    connection = connections[using]
    ignored = set(MIGRATE_WRITES)
    for cache in getattr(settings, "CACHES", {}).values():
        if cache.get("BACKEND", "").endswith("DatabaseCache"):
            ignored.add(cache.get("LOCATION", ""))
    holding = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in ignored:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                holding.append(table)
    return holding


class _HistoricalDeserializer(PythonDeserializer):
    """Django's deserializer, reading each row into its model as it was at the backup's migrations."""

    def __init__(self, object_list, *, state_apps, **options):
        super().__init__(object_list, **options)
        self.state_apps = state_apps

    def _get_model_from_node(self, model_identifier):
        try:
            return self.state_apps.get_model(model_identifier)
        except (LookupError, TypeError, ValueError):
            raise serializer_base.DeserializationError(
                f"このコードにないモデル {model_identifier} の行があります。"
            ) from None


def _migration_targets(contents: _Contents, executor: MigrationExecutor) -> list[tuple[str, str]]:
    graph = executor.loader.graph
    wanted = {tuple(key) for key in contents.header["migrations"]}
    unknown = sorted(wanted - set(graph.nodes))
    if unknown:
        names = "、".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(
            f"このバックアップは、このコードにないマイグレーション（{names}）まで進んだデータベースのものです。"
            "バックアップを取った版か、それより新しい版のコードで復元してください。"
        )
    ahead = sorted({key for key in executor.loader.applied_migrations if key in graph.nodes} - wanted)
    if ahead:
        names = "、".join(f"{app}.{name}" for app, name in ahead[:5])
        raise BackupError(
            f"復元先のデータベースには、バックアップより先のマイグレーション（{names}）が適用されています。"
            "migrate を実行していない空のデータベースを作り直して、そこへ復元してください"
            "（restore が必要なマイグレーションを自分で実行します）。"
        )
    return sorted(key for key in wanted
                  if not any(child in wanted and child[0] == key[0] for child in graph.node_map[key].children))


def restore_backup(path: Path, using: str = DEFAULT_DB_ALIAS,
                   progress: Callable[[str], None] | None = None) -> Summary:
    """Restore `path` into the empty database `using`; refuse anything else without writing."""
    say = progress or (lambda message: None)
    path = Path(path)
    connection = connections[using]
    contents = read_contents(path)
    holding = tables_with_data(using)
    if holding:
        raise BackupError(
            "復元先のデータベースは空ではありません（" + "、".join(holding[:5])
            + (" など" if len(holding) > 5 else "") + " にデータがあります）。"
            "復元は空のデータベースにだけ行えます: 新しいデータベースを作って（PostgreSQL なら createdb、"
            "SQLite なら新しいファイル名を DATABASE_URL に）もう一度実行してください。"
        )
    files = []
    for name, field_label in contents.files:
        storage = _storage_for(field_label)
        if _on_disk(storage) and storage.exists(name):
            raise BackupError(
                f"ファイル {name} がすでに {storage.location} にあります。空の MEDIA_ROOT へ復元してください。"
            )
        files.append((name, storage))

    executor = MigrationExecutor(connection)
    targets = _migration_targets(contents, executor)
    plan = executor.migration_plan(targets)
    if plan:
        say(f"マイグレーションを実行しています（{len(plan)} 件、バックアップを取った時点まで）…")
        executor.migrate(targets, plan=plan)
        executor.loader.build_graph()
    state_apps = executor.loader.project_state(targets, at_end=True).apps

    summary = Summary()
    say(f"{contents.rows} 行を一つのトランザクションで読み込んでいます…")
    try:
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                present = set(connection.introspection.table_names(cursor))
                # migrate's own rows give way to the backup's: permissions, then their content types.
                for table in ("auth_permission", "django_content_type"):
                    if table in present:
                        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
            loaded = _load_rows(path, using, state_apps, summary)
            every_model = [m for m in state_apps.get_models(include_auto_created=True)
                           if m._meta.managed and not m._meta.proxy]
            _set_last_ids(connection, loaded, every_model, contents.trailer.get("last_ids", {}))
    except IntegrityError as exc:
        raise BackupError(f"バックアップの行を読み込めませんでした（参照や一意性が合いません）。何も書き込んでいません: {exc}") \
            from None
    except serializer_base.DeserializationError as exc:
        raise BackupError(f"バックアップの行を読み込めませんでした。何も書き込んでいません: {exc}") from None

    say("このコードで追加されたマイグレーションがあれば実行しています…")
    call_command("migrate", database=using, interactive=False, verbosity=0)
    if files:
        # After the migrations: the storage the code uses now may be a table they create.
        say(f"ファイル {len(files)} 件を書き戻しています…")
        try:
            _write_files(path, files, summary)
        except (BackupError, OSError) as exc:
            raise BackupError(f"データベースは復元しましたが、ファイルを書き戻せませんでした: {exc}") from None
    return summary


def _load_rows(path: Path, using: str, state_apps, summary: Summary) -> list[type[models.Model]]:
    connection = connections[using]
    rows = (record for record in _records(path) if "model" in record)
    batch: list[models.Model] = []
    loaded: list[type[models.Model]] = []

    def flush():
        if not batch:
            return
        model = type(batch[0])
        fields = list(model._meta.concrete_fields)
        size = max(1, min(INSERT_BATCH, connection.ops.bulk_batch_size(fields, batch)))
        for start in range(0, len(batch), size):
            # What save(raw=True) does for one row, for many: the values exactly as read (no
            # auto_now stamps), no signals, primary keys kept.
            model._base_manager.using(using)._insert(batch[start:start + size], fields=fields, raw=True,
                                                      using=using)
        label = model._meta.label_lower
        summary.per_model[label] = summary.per_model.get(label, 0) + len(batch)
        summary.rows += len(batch)
        if model not in loaded:
            loaded.append(model)
        batch.clear()

    for deserialized in _HistoricalDeserializer(rows, state_apps=state_apps, using=using):
        obj = deserialized.object
        if batch and (type(obj) is not type(batch[0]) or len(batch) >= 10 * INSERT_BATCH):
            flush()
        batch.append(obj)
    flush()
    return loaded


def _write_files(path: Path, files: list[tuple[str, object]], summary: Summary) -> None:
    if not files:
        return
    storages = dict(files)
    for record in _records(path):
        if "file" not in record:
            continue
        name = record["file"]
        storage = storages[name]
        content = _file_bytes(record)
        if storage.exists(name):
            # A database storage's row came with the tables: it must be the same file.
            with storage.open(name, "rb") as stream:
                if stream.read() != content:
                    raise BackupError(f"ファイル {name} が、バックアップの内容と異なる形ですでにあります。")
            summary.files += 1
            continue
        saved = storage.save(name, ContentFile(content))
        if saved != name:
            storage.delete(saved)
            raise BackupError(f"ファイル {name} を同じ名前で書き戻せませんでした（{saved} になりました）。")
        summary.files += 1
