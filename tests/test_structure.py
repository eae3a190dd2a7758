"""The house stays in order: the lower app never depends on the higher one, each constant is
defined once, and the README's map of the code is true."""

import ast
import re
from collections import defaultdict
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CODE = ("iruma_eval", "projects", "reviews")


def modules(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imported_names(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
    return names


def test_nothing_under_projects_imports_reviews():
    offenders = [f"{path.relative_to(ROOT)}: {name}" for path in modules("projects")
                 for name in imported_names(path) if name.split(".")[0] == "reviews"]
    assert offenders == []


def test_the_pure_text_and_label_modules_import_nothing_from_django():
    # The sheet package (guarded by its own test) imports these, so they must stay pure too.
    for path in (ROOT / "projects" / "text.py", ROOT / "reviews" / "fields.py"):
        assert not [n for n in imported_names(path) if n.split(".")[0] == "django"], path.name


def test_no_module_level_constant_is_defined_in_two_modules():
    where = defaultdict(list)
    for path in modules(*CODE):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper() and path.name != "settings.py":
                    where[target.id].append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}


def test_templates_ask_the_rules_instead_of_comparing_state_names():
    pattern = re.compile(r"\.state\s*(==|!=)|state\s*==\s*[\"']")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html")
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def readme_paths() -> set[str]:
    """Every `path/` or `path/file.ext` the README names in backticks."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = set()
    for token in re.findall(r"`([^`\s]+)`", text):
        token = token.rstrip(",.")
        # test-artifacts/ is written only when a browser test fails.
        if "/" in token and not token.startswith(("http", "/", "postgres:", "sqlite:", "test-artifacts/")) and "…" not in token:
            found.add(token)
    return found


def test_every_path_the_readme_names_exists():
    missing = sorted(p for p in readme_paths() if not (ROOT / p).exists())
    assert missing == []


def test_the_readme_map_names_every_folder_of_the_code():
    named = readme_paths()
    folders = {"iruma_eval/", "projects/", "reviews/", "templates/", "static/", "fixtures/", "tests/", "scripts/", "docs/"}
    folders |= {f"reviews/{p.name}/" for p in (ROOT / "reviews").iterdir()
                if p.is_dir() and (p / "__init__.py").exists() and p.name not in ("migrations", "management")}
    folders |= {"reviews/sheets/workbook/", "reviews/management/commands/"}
    assert sorted(folders - named) == []
