"""Apply a read 入力表 to the database: load it as a new round, or update an existing round.

Two phases, all or nothing: first every row is checked against the database without writing
anything, giving a plan (a dry run stops there and shows it field by field); then, only if there
is no error, one transaction applies that plan. Warnings (project facts that differ from the
database) are listed and never applied: the hierarchy changes in the admin.

Every sheet that comes in reaches these functions through reviews.sheets.uploads.
"""

from reviews.sheets.loading.new_round import import_new_round
from reviews.sheets.loading.result import FieldChange, ImportResult
from reviews.sheets.loading.update import import_update

__all__ = ["FieldChange", "ImportResult", "import_new_round", "import_update"]
