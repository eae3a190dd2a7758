"""The sheet package stays pure: no Django, no database, so it runs anywhere (a command, a worker)."""

from __future__ import annotations

import ast
from pathlib import Path

import reviews.sheets.workbook

PACKAGE = Path(reviews.sheets.workbook.__file__).parent


def test_the_sheet_package_imports_nothing_from_django():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "django" for n in names), path.name


def test_the_package_init_stays_empty():
    assert (PACKAGE / "__init__.py").read_text() == ""


def test_golden_files_are_small():
    golden = Path(__file__).parent / "golden"
    assert all(p.stat().st_size < 64_000 for p in golden.glob("*.xlsx"))


def test_committed_golden_files_match_what_make_golden_writes_today(tmp_path, monkeypatch):
    """If this fails after a deliberate layout change, run `python -m tests.reviews.sheets.workbook.make_golden`."""
    import io
    import zipfile

    from tests.reviews.sheets.workbook import make_golden

    committed = Path(make_golden.GOLDEN)
    monkeypatch.setattr(make_golden, "GOLDEN", tmp_path)
    make_golden.main()

    def members(data: bytes) -> dict[str, bytes] | bytes:
        if not data.startswith(b"PK"):
            return data
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # compare content, not zlib's bytes
            return {name: archive.read(name) for name in archive.namelist()}

    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(p.name for p in committed.glob("*.xlsx"))
    for name in fresh:
        assert members((tmp_path / name).read_bytes()) == members((committed / name).read_bytes()), name
