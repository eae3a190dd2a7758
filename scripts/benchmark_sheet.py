#!/usr/bin/env python3
"""How fast the official sheet goes through the database for a big city, against openpyxl alone.

    .venv/bin/python scripts/benchmark_sheet.py            # from the repository root

A measurement, not a test: it always exits 0 and prints which goals are missed.

The synthetic city is the seed 75 times over: the seed's 4 goals and 10 policies, each project
copied 75 times under its own policy (`事業名（2）` … `事業名（75）`, the seed's departments, the
seed's texts with the copy's number appended so that no two are the same), 5,100 projects, and an
FY2018 round with one entry per project. It lives in a throwaway SQLite file in a temporary
directory (DATABASE_URL is set before Django starts), never in db.sqlite3, and DEBUG is off as in
production (no query log).

Timed operations, each against a floor measured in the same run with no Django involved:

    export      export_round(round, BytesIO)
                floor: the cheapest styled openpyxl write of the same values: a plain openpyxl
                Workbook writing the exported sheet's value cells (the same rows, columns and
                values; not the empty cells the export writes for their borders), each given
                one shared NamedStyle (font, wrap) registered once, saved to a BytesIO
    first load  read_sheet(bytes, limits=sheet_limits()) + import_new_round(doc, fiscal_year=2018,
                historical=True) into an EMPTY installation (a freshly migrated database, copied
                before each run): the strategy, the seed's departments, the goals, policies and 5,100
                projects with their departments, a published round whose 5,100 entries capture
                the sheet's facts, with their history, events and search rows. The input checks
                (size bounds, control characters) are part of read_sheet.
    new round   read_sheet(bytes) + import_new_round(doc, fiscal_year=2019): every project
                exists, so it creates a round and 5,100 entries (deleted again after each run)
    update      read_sheet(bytes) + import_update(doc, round) of the exported sheet: no changes
                floor for the three loads: openpyxl load_workbook (normal mode, not read-only)
                of the exported sheet, iterating every row's values

    refuse 1M   read_sheet of a hand-made sheet with a million rows of values (7 MB, as a clerk can
                send), refused by the limits before openpyxl builds anything
                floor: decompressing every part of the same file with zipfile

Seconds are the best of --repeat runs (time.perf_counter). Peak memory is measured in one more,
separate run of each operation under tracemalloc (which slows Python down, so never in a timed
run): the peak of Python allocations made during the operation.

Goals: export within 1.3x of its floor, each load within 3x, the refusal within 10x of
decompressing the file, peak memory within 2x.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TIME_GOALS = {"export": 1.3, "first load": 3.0, "new round": 3.0, "update": 3.0, "refuse 1M": 10.0}
MEMORY_GOAL = 2.0
NEW_ROUND_YEAR = 2019
FIRST_LOAD_YEAR = 2018
FLOOR_STYLE = "benchmark_floor"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=75, help="copies of each seed project (default 75)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per operation; the best counts (default 3)")
    parser.add_argument("--only", nargs="+", choices=list(TIME_GOALS), metavar="OPERATION",
                        help=f"measure only these operations ({', '.join(TIME_GOALS)}; default all)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sheet-benchmark-") as tmp:
        # Before Django reads its settings: a throwaway database, and production's DEBUG.
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'benchmark.sqlite3'}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "iruma_eval.settings"
        os.environ["DEBUG"] = "false"
        os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        run(args.copies, args.repeat, Path(tmp), args.only or list(TIME_GOALS))
        from django.db import connections

        connections.close_all()  # release the file before the directory goes
    sys.exit(0)


def run(copies: int, repeat: int, tmp: Path, only: list[str]) -> None:
    from django.core.management import call_command
    from django.db import connection

    from reviews.models import Round
    from reviews.sheets.export import export_round, round_document

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    # The empty installation the first load starts from each time: migrated, not a row more.
    city_file = Path(connection.settings_dict["NAME"])
    empty_template = tmp / "empty.sqlite3"
    connection.close()
    shutil.copyfile(city_file, empty_template)
    round_ = build_city(copies)
    exported = io.BytesIO()
    export_round(round_, exported)
    data = exported.getvalue()
    cells = sheet_cells(data)
    project_count = len(round_document(round_).projects())
    print(f"Synthetic city: {project_count:,} projects, sheet {len(data) / 1e6:.1f} MB, "
          f"{len(cells):,} cells (set up in {time.perf_counter() - started:.0f} s). "
          f"Best of {repeat} runs; peak memory from one separate run under tracemalloc. "
          f"Load average {load_average()}.\n")

    def export() -> None:
        export_round(Round.objects.get(pk=round_.pk), io.BytesIO())

    from projects.models import Department, Project

    def first_load() -> None:
        from reviews.sheets.loading import import_new_round
        from reviews.sheets.uploads import sheet_limits
        from reviews.sheets.workbook.reader import read_sheet

        read = read_sheet(data, limits=sheet_limits())
        assert read.ok, read.errors[:3]
        result = import_new_round(read.document, fiscal_year=FIRST_LOAD_YEAR, historical=True)
        assert result.applied and result.round is not None, (result.errors[:3], result.warnings[:3])
        assert not result.warnings, result.warnings[:3]

    def into_empty() -> None:
        use_database(empty_template, tmp / "first-load.sqlite3")
        assert not Department.objects.exists()

    def back_to_city() -> None:
        # Every run must have done the whole work (checked outside the timed part).
        assert Project.objects.count() == project_count and Department.objects.exists()
        use_database(city_file)

    def new_round() -> None:
        from reviews.sheets.loading import import_new_round
        from reviews.sheets.workbook.reader import read_sheet

        read = read_sheet(data)
        assert read.ok, read.errors[:3]
        result = import_new_round(read.document, fiscal_year=NEW_ROUND_YEAR)
        assert result.applied and result.round is not None, (result.errors[:3], result.warnings[:3])
        assert result.created == [f"評価回「{result.round.title}」"], result.created[:3]
        assert not result.warnings, result.warnings[:3]

    def update() -> None:
        from reviews.sheets.loading import import_update
        from reviews.sheets.workbook.reader import read_sheet

        read = read_sheet(data)
        assert read.ok, read.errors[:3]
        result = import_update(read.document, Round.objects.get(pk=round_.pk))
        assert result.applied and not result.changes and not result.warnings, (result.errors[:3], result.changes[:3])

    from tests.reviews.sheets.workbook.test_limits import million_rows

    huge = million_rows()

    def refuse() -> None:
        from reviews.sheets.uploads import sheet_limits
        from reviews.sheets.workbook.reader import read_sheet

        result = read_sheet(huge, filename="百万行.xlsx", limits=sheet_limits())
        assert not result.ok and "行を超えています" in result.errors[0].message, result.errors[:1]

    print(f"Million-row sheet for the refusal: {len(huge) / 1e6:.1f} MB.")
    operations = {
        "export": lambda: measure("export", export, lambda: floor_write(cells), repeat),
        "first load": lambda: measure("first load", first_load, lambda: floor_read(data), repeat,
                                      before=into_empty, after=back_to_city),
        "new round": lambda: measure("new round", new_round, lambda: floor_read(data), repeat,
                                     after=delete_new_round),
        "update": lambda: measure("update", update, lambda: floor_read(data), repeat),
        "refuse 1M": lambda: measure("refuse 1M", refuse, lambda: floor_unzip(huge), repeat),
    }
    print_table([measure_it() for name, measure_it in operations.items() if name in only])
    print(f"Load average at the end {load_average()} (on a shared machine the ratios move with it).")


def load_average() -> str:
    """The machine's 1-, 5- and 15-minute load averages, where the system tells them."""
    try:
        return " / ".join(f"{value:.1f}" for value in os.getloadavg())
    except (AttributeError, OSError):  # Windows
        return "unknown"


def use_database(path: Path, fresh_copy: Path | None = None) -> None:
    """Point Django's connection at another SQLite file (at a fresh copy of ``path`` when
    ``fresh_copy`` names one); the next query opens it."""
    from django.db import connection

    from reviews.models import forget_strategy_count

    connection.close()
    if fresh_copy is not None:
        shutil.copyfile(path, fresh_copy)
        path = fresh_copy
    connection.settings_dict["NAME"] = str(path)
    forget_strategy_count()


# The synthetic city -------------------------------------------------------------------------------

def build_city(copies: int):
    """The seed, then each project copied under its own policy, and an FY2018 round for all of them.
    bulk_create keeps the setup quick; it records no history, which nothing here reads."""
    from django.db import transaction

    from projects.models import Project, ProjectDepartment
    from reviews.demo.seed import load_seed, read_seed
    from reviews.models import Entry, Round

    load_seed()
    texts = {}  # the seed's entry texts by project name
    for goal in read_seed()["goals"]:
        for policy in goal["policies"]:
            for project in policy["projects"]:
                texts[project["name"]] = project
    seed_round = Round.objects.get(fiscal_year=2017)
    with transaction.atomic():
        originals = list(Project.objects.prefetch_related("project_departments").order_by("policy", "order"))
        by_policy: dict[int, list[Project]] = {}
        for project in originals:
            by_policy.setdefault(project.policy_id, []).append(project)
        new_projects, links = [], []
        for projects in by_policy.values():
            order = len(projects)
            for copy in range(2, copies + 1):
                for original in projects:
                    order += 1
                    new_projects.append(Project(policy_id=original.policy_id, name=f"{original.name}（{copy}）",
                                                description=numbered(original.description, copy),
                                                category=original.category, order=order))
                    links.append(list(original.project_departments.all()))
        Project.objects.bulk_create(new_projects, batch_size=500)
        ProjectDepartment.objects.bulk_create(
            [ProjectDepartment(project=project, department_id=link.department_id, position=link.position)
             for project, project_links in zip(new_projects, links, strict=True) for link in project_links],
            batch_size=500,
        )
        round_ = Round.objects.create(
            strategy=seed_round.strategy, fiscal_year=2018, title="平成30年度 実施事業評価",
            implementation_heading="平成29、30年度の実施内容", legend=seed_round.legend, state=Round.State.OPEN,
        )
        entries = []
        for project in Project.objects.only("id", "name"):
            if project.name in texts:
                seed, copy = texts[project.name], 1
            else:
                name, _, number = project.name.rpartition("（")
                seed, copy = texts[name], int(number.rstrip("）"))
            entries.append(Entry(round=round_, project=project, status=seed["status"],
                                 implementation=numbered(seed["implementation"], copy),
                                 evaluation=numbered(seed["evaluation"], copy),
                                 future_policy=numbered(seed["future_policy"], copy),
                                 memo=numbered(seed["memo"], copy)))
        Entry.objects.bulk_create(entries, batch_size=500)
    return round_


def numbered(text: str, copy: int) -> str:
    """A copy's text: the seed's, marked with the copy's number. A real city's 5,100 texts all
    differ; identical texts would share one entry of the file's string table and flatter both the
    file's size and the floors' memory."""
    return f"{text}（{copy}）" if text and copy > 1 else text


def delete_new_round() -> None:
    """Remove what import_new_round created, so that every run starts from the same database."""
    from django.db import transaction

    from reviews.models import Entry, EntrySearch, Event, Round

    with transaction.atomic():
        round_ = Round.objects.get(fiscal_year=NEW_ROUND_YEAR)
        Event.objects.filter(entry__round=round_)._raw_delete(Event.objects.db)  # Event.delete() refuses
        EntrySearch.objects.filter(entry__round=round_)._raw_delete(EntrySearch.objects.db)
        Entry.history.filter(round_id=round_.pk).delete()
        Entry.objects.filter(round=round_)._raw_delete(Entry.objects.db)
        round_.delete()


# The floors: openpyxl alone -----------------------------------------------------------------------

def sheet_cells(data: bytes) -> list[tuple[int, int, object]]:
    """Every cell the exported sheet holds as (row, column, value), in order: what the floor writes.
    That includes the empty cells the export writes for their borders (columns A and B of project
    rows, the blank memo column, the rest of a merged band), with None as their value."""
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    return [(row, column, cell.value) for (row, column), cell in sorted(ws._cells.items())]


def floor_write(cells: list[tuple[int, int, object]]) -> None:
    """The cheapest styled write of the sheet's values: only the cells that hold one, each with one
    named style registered once (the export also writes the empty bordered cells, and eight styles)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, NamedStyle

    from reviews.sheets.workbook import layout

    wb = Workbook()
    ws = wb.active
    wb.add_named_style(NamedStyle(FLOOR_STYLE, font=Font(name=layout.FONT_NAME, size=layout.FONT_SIZE),
                                  alignment=Alignment(wrap_text=True)))
    for row, column, value in cells:
        if value is not None:
            ws.cell(row, column, value).style = FLOOR_STYLE
    wb.save(io.BytesIO())


def floor_read(data: bytes) -> None:
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for _values in ws.iter_rows(values_only=True):
            pass


def floor_unzip(data: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            archive.read(info)


# Measuring ----------------------------------------------------------------------------------------

def best_time(operation: Callable[[], None], repeat: int, after: Callable[[], None] | None,
              before: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(repeat):
        if before:
            before()
        gc.collect()
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
        if after:
            after()
    return min(times)


def peak_bytes(operation: Callable[[], None], after: Callable[[], None] | None,
               before: Callable[[], None] | None = None) -> int:
    if before:
        before()
    gc.collect()
    tracemalloc.start()
    try:
        operation()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if after:
        after()
    return peak


def measure(name: str, operation, floor, repeat: int, after=None, before=None) -> dict:
    print(f"  measuring {name} …", flush=True)
    return {
        "name": name,
        "seconds": best_time(operation, repeat, after, before),
        "floor_seconds": best_time(floor, repeat, None),
        "peak": peak_bytes(operation, after, before),
        "floor_peak": peak_bytes(floor, None),
    }


def print_table(rows: list[dict]) -> None:
    header = (f"{'operation':<10} {'s':>7} {'floor s':>8} {'ratio':>6} {'goal':>5}   "
              f"{'peak MB':>8} {'floor MB':>9} {'ratio':>6} {'goal':>5}   result")
    print()
    print(header)
    print("-" * len(header))
    missed = []
    for row in rows:
        time_ratio = row["seconds"] / row["floor_seconds"]
        memory_ratio = row["peak"] / row["floor_peak"]
        time_goal = TIME_GOALS[row["name"]]
        failures = []
        if time_ratio > time_goal:
            failures.append(f"{row['name']}: time {time_ratio:.2f}x > {time_goal}x")
        if memory_ratio > MEMORY_GOAL:
            failures.append(f"{row['name']}: memory {memory_ratio:.2f}x > {MEMORY_GOAL}x")
        missed.extend(failures)
        print(f"{row['name']:<10} {row['seconds']:>7.2f} {row['floor_seconds']:>8.2f} {time_ratio:>6.2f} "
              f"{time_goal:>5.1f}   {row['peak'] / 1e6:>8.1f} {row['floor_peak'] / 1e6:>9.1f} "
              f"{memory_ratio:>6.2f} {MEMORY_GOAL:>5.1f}   {'FAIL' if failures else 'PASS'}")
    print()
    print("Goals missed: " + "; ".join(missed) if missed else "All goals met.")


if __name__ == "__main__":
    main()
