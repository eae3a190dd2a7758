"""Where uploaded files live, so that any app server can finish what another began.

Three kinds of file wait between requests: a sheet previewed and not yet confirmed (named by a
signed token, reviews.sheets.uploads), a kept sheet (SheetUpload.file) and the admin's flat import
between its two steps (django-import-export's temporary storage). All three go through Django's
default storage, which settings.UPLOAD_STORAGE chooses:

- ``database`` (the default): DatabaseStorage below, one row of reviews.StoredFile per file. Two
  app servers on one database need nothing else (and the same SECRET_KEY, which signs the tokens).
- ``files``: Django's FileSystemStorage under MEDIA_ROOT, a folder every app server must share.
"""

import re
from datetime import timedelta
from io import BytesIO, StringIO

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from import_export.tmp_storages import MediaStorage


def _stored_files():
    from reviews.models import StoredFile  # the storage is built before the app registry is ready

    return StoredFile.objects


def _bytes_of(content: File) -> bytes:
    # File.chunks() starts from the beginning; a ContentFile made from text yields str.
    return b"".join(chunk.encode() if isinstance(chunk, str) else bytes(chunk) for chunk in content.chunks())


class DatabaseStorage(Storage):
    """A Django storage whose files are rows of reviews.StoredFile (name, bytes, size, times).

    Files are read whole into memory: they are spreadsheets of at most MAX_UPLOAD_BYTES. There is
    no URL: a kept sheet is downloaded through reviews.sheets.views.upload_file, which checks who
    asks."""

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wax+"):
            raise ValueError("DatabaseStorage opens files for reading only; save() writes them.")
        row = _stored_files().filter(name=name).values_list("content", flat=True).first()
        if row is None:
            raise FileNotFoundError(name)
        data = bytes(row)
        return File(BytesIO(data) if "b" in mode else StringIO(data.decode()), name=name)

    def _save(self, name, content):
        data = _bytes_of(content)
        now = timezone.now()
        while True:
            try:
                with transaction.atomic():
                    _stored_files().create(name=name, content=data, size=len(data), created_at=now, modified_at=now)
                return name
            except IntegrityError:
                # Another request took the name between get_available_name() and here.
                name = self.get_available_name(name)

    def delete(self, name):
        _stored_files().filter(name=name).delete()

    def exists(self, name):
        return _stored_files().filter(name=name).exists()

    def listdir(self, path):
        prefix = str(path).strip("/")
        prefix = f"{prefix}/" if prefix else ""
        directories, files = set(), []
        for name in _stored_files().filter(name__startswith=prefix).values_list("name", flat=True):
            rest = name[len(prefix):]
            if "/" in rest:
                directories.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(directories), sorted(files)

    def size(self, name):
        size = _stored_files().filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(name)
        return size

    def _time(self, name, field):
        value = _stored_files().filter(name=name).values_list(field, flat=True).first()
        if value is None:
            raise FileNotFoundError(name)
        return value

    def get_created_time(self, name):
        return self._time(name, "created_at")

    def get_accessed_time(self, name):
        return self._time(name, "modified_at")

    def get_modified_time(self, name):
        return self._time(name, "modified_at")

    def delete_older_than(self, folder: str, cutoff) -> int:
        """Delete the files of ``folder`` last written before ``cutoff`` in one statement."""
        prefix = f"{folder.strip('/')}/"
        deleted, _ = _stored_files().filter(name__startswith=prefix, modified_at__lt=cutoff).delete()
        return deleted


def delete_stale(storage: Storage, folder: str, max_age: timedelta) -> None:
    """Delete what waits in ``folder`` for longer than ``max_age`` (abandoned previews)."""
    cutoff = timezone.now() - max_age
    if isinstance(storage, DatabaseStorage):
        storage.delete_older_than(folder, cutoff)
        return
    try:
        _folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file_name in files:
        path = f"{folder}/{file_name}"
        try:
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
        except FileNotFoundError:
            continue  # another server deleted it meanwhile


FLAT_IMPORT_FOLDER = "django-import-export"
FLAT_IMPORT_MAX_AGE = timedelta(days=1)
_FLAT_IMPORT_NAME = re.compile(r"^[0-9a-f]{32}$")


class FlatImportStorage(MediaStorage):
    """The admin's flat import keeps its file between the preview and the confirmation in the
    default storage (the database, or the shared MEDIA_ROOT), not in one server's /tmp
    (settings.IMPORT_EXPORT_TMP_STORAGE_CLASS).

    The name comes back from the browser in the confirmation form (django-import-export keeps
    only its last part): only names this class gives, a uuid's hex, are read or removed.
    Previews nobody confirmed are deleted after a day, when the next flat import starts."""

    def __init__(self, **kwargs):
        name = kwargs.get("name")
        if name is not None and not _FLAT_IMPORT_NAME.match(str(name)):
            raise SuspiciousFileOperation(f"Not a flat import's temporary file: {name!r}")
        super().__init__(**kwargs)

    def save(self, data):
        delete_stale(self._storage, FLAT_IMPORT_FOLDER, FLAT_IMPORT_MAX_AGE)
        super().save(data)
