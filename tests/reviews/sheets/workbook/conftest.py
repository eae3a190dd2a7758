"""Fixtures for the pure sheet tests: the seed document, the small document and the golden files."""

from __future__ import annotations

import io
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from reviews.sheets.workbook.document import SheetDocument
from reviews.sheets.workbook.writer import write_sheet
from tests.reviews.sheets.workbook.make_golden import GOLDEN, seed_document, small_document


@pytest.fixture
def seed_doc() -> SheetDocument:
    return seed_document()


@pytest.fixture
def small_doc() -> SheetDocument:
    return small_document()


@pytest.fixture
def golden() -> Path:
    return GOLDEN


def without_rows(value: Any) -> Any:
    """The document (or a part of it) as plain data without source row numbers, for comparisons."""
    data = asdict(value) if is_dataclass(value) else value
    if isinstance(data, dict):
        return {k: without_rows(v) for k, v in data.items() if k != "row"}
    if isinstance(data, list):
        return [without_rows(v) for v in data]
    return data


def write_bytes(doc: SheetDocument, **kwargs: Any) -> bytes:
    buffer = io.BytesIO()
    write_sheet(doc, buffer, **kwargs)
    return buffer.getvalue()


def reopen(doc: SheetDocument, **kwargs: Any):
    """Write `doc` and reopen the result with openpyxl; returns the worksheet."""
    return load_workbook(io.BytesIO(write_bytes(doc, **kwargs))).active
