#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 scripts/dev.py serve   # venv, dependencies, SQLite, demo data, development server
    python3 scripts/dev.py test    # venv, dependencies, browser packages when possible, pytest

The virtual environment lives in .venv; dependencies come from pyproject.toml and are
reinstalled only when that file changes.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info < (3, 11):  # noqa: UP036 - said plainly before anything else fails
    sys.exit("Python 3.11 以降が必要です。python3.11 scripts/dev.py … で実行してください。")

import tomllib  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".pyproject-sha256"
BROWSER_PACKAGES = ("chromium", "fonts-noto-cjk")
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")


def run(*args: str | Path, env: dict | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, env=env)


def ensure_venv() -> None:
    if not PYTHON.exists():
        print("仮想環境 .venv を作成しています…", flush=True)
        run(sys.executable, "-m", "venv", VENV)
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    digest = hashlib.sha256(pyproject).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    project = tomllib.loads(pyproject.decode())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    print("依存パッケージをインストールしています…", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", *requirements)
    STAMP.write_text(digest)


def missing_browser_packages() -> list[str]:
    missing = []
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        missing.append("chromium")
    if not Path("/usr/share/fonts/opentype/noto").exists():
        missing.append("fonts-noto-cjk")
    return missing


def ensure_browser() -> None:
    """Install Debian's Chromium and Japanese fonts for the browser tests when we can."""
    missing = missing_browser_packages()
    if not missing:
        return
    can_install = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if not can_install:
        return  # the browser tests report themselves skipped, with the command that enables them
    print(f"ブラウザテスト用に {' '.join(missing)} をインストールしています…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "update", "-qq", env=env)
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *BROWSER_PACKAGES, env=env)


def serve() -> None:
    ensure_venv()
    run(PYTHON, "manage.py", "migrate", "--no-input", "-v", "0")
    run(PYTHON, "manage.py", "load_demo")
    print(f"\n起動します: http://{HOST}:{PORT}/ （管理画面 http://{HOST}:{PORT}/admin/）", flush=True)
    print("止めるには Ctrl+C を押してください。\n", flush=True)
    os.execv(PYTHON, [str(PYTHON), "manage.py", "runserver", f"{HOST}:{PORT}"])


def test(pytest_args: list[str]) -> int:
    ensure_venv()
    ensure_browser()
    return subprocess.run([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "serve":
        serve()
    elif command == "test":
        sys.exit(test(sys.argv[2:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
