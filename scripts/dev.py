#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 scripts/dev.py serve   # venv, dependencies, SQLite, demo data, development server
    python3 scripts/dev.py test    # venv, dependencies, browser packages when possible, pytest
    python3 scripts/dev.py lock    # resolve pyproject.toml afresh and rewrite constraints.txt

The virtual environment lives in .venv; it holds the project installed editable
(`pip install -e .[dev,server]`) with the versions pinned in constraints.txt, and is
reinstalled only when pyproject.toml or constraints.txt changes.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

if sys.version_info < (3, 11):  # noqa: UP036 - said plainly before anything else fails
    sys.exit("Python 3.11 以降が必要です。python3.11 scripts/dev.py … で実行してください。")

import tempfile  # noqa: E402
import tomllib  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
CONSTRAINTS = ROOT / "constraints.txt"
STAMP = VENV / ".dependencies-sha256"
EXTRAS = "dev,server"
BROWSER_PACKAGES = ("chromium", "fonts-noto-cjk")
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")


def run(*args: str | Path, env: dict | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, env=env)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")


PYTHON = venv_python(VENV)


def ensure_venv() -> None:
    if not PYTHON.exists():
        print("仮想環境 .venv を作成しています…", flush=True)
        run(sys.executable, "-m", "venv", VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("依存パッケージをインストールしています（constraints.txt の版）…", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    # setuptools warns that a folder named like a package may shadow it: here they are the package.
    quiet = {**os.environ, "PYTHONWARNINGS": "ignore::UserWarning"}
    run(PYTHON, "-m", "pip", "install", "--quiet", "--constraint", CONSTRAINTS, "--editable", f".[{EXTRAS}]",
        env=quiet)
    STAMP.write_text(digest)


def lock() -> None:
    """Resolve pyproject.toml's ranges afresh in a throwaway venv and pin what was installed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS.split(","):
        requirements += project["optional-dependencies"][extra]
    with tempfile.TemporaryDirectory() as folder:
        print("新しい仮想環境で依存関係を解決しています…", flush=True)
        python = venv_python(Path(folder))
        run(sys.executable, "-m", "venv", folder)
        run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(python, "-m", "pip", "install", "--quiet", *requirements)
        frozen = subprocess.run([str(python), "-m", "pip", "freeze"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
    header = (
        "# The exact versions every install uses: python3 scripts/dev.py (serve, test) and the README's\n"
        "# deployment steps (pip install -c constraints.txt -e .[server]). pyproject.toml keeps the ranges.\n"
        "# Regenerate with `python3 scripts/dev.py lock`, run the tests, and commit both files.\n"
    )
    CONSTRAINTS.write_text(header + frozen, encoding="utf-8")
    print(f"{CONSTRAINTS.name} を書き換えました。python3 scripts/dev.py test で確かめてください。", flush=True)


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
    apt_get("update", "-qq", env=env)
    apt_get("install", "-y", "-qq", "--no-install-recommends", *BROWSER_PACKAGES, env=env)


def apt_get(*args: str, env: dict) -> None:
    """apt-get, waiting while another apt (a second test run, the machine's own upgrades) holds its
    lock, for up to ten minutes: `apt-get update` fails at once on the lists' lock. Any other
    failure stops at once."""
    command = ["apt-get", "-o", "DPkg::Lock::Timeout=600", *args]
    for _ in range(40):
        done = subprocess.run(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        sys.stderr.write(done.stderr)
        if done.returncode == 0:
            return
        if "Could not get lock" not in done.stderr:
            break
        print("ほかの apt が動いています。15 秒後にやり直します…", flush=True)
        time.sleep(15)
    raise SystemExit(f"apt-get {' '.join(args)} に失敗しました（終了コード {done.returncode}）。")


def serve() -> None:
    ensure_venv()
    run(PYTHON, "manage.py", "migrate", "--no-input", "-v", "0")
    run(PYTHON, "manage.py", "load_demo")
    print(f"\n起動します: http://{HOST}:{PORT}/ （管理画面 http://{HOST}:{PORT}/admin/）", flush=True)
    print("止めるには Ctrl+C を押してください。\n", flush=True)
    # Links in the mail the demo sends (to the console) point where this server listens.
    os.environ.setdefault("SITE_URL", f"http://{'127.0.0.1' if HOST in ('0.0.0.0', '::') else HOST}:{PORT}")
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
    elif command == "lock":
        lock()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
