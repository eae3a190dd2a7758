"""The installation a city runs: pyproject.toml names the packages of the flat layout, constraints.txt
pins every dependency inside pyproject's ranges, collectstatic works with whitenoise, and the WSGI
application runs under gunicorn and waitress (the `server` group)."""

import fnmatch
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(settings.BASE_DIR)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt pins exact versions only: {line}"
            pins[canonicalize_name(name)] = version
    return pins


def test_the_editable_install_takes_every_package_of_the_code_and_no_other():
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    top_level = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    taken = {name for name in top_level if any(fnmatch.fnmatch(name, pattern) for pattern in include)}
    assert taken == top_level - {"tests"}


def test_constraints_pin_every_dependency_within_the_ranges_of_pyproject():
    project = PYPROJECT["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    for group in ("dev", "server"):
        requirements += [Requirement(r) for r in project["optional-dependencies"][group]]
    pins = pinned()
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (requirement, pins[name])
    server = {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["server"]}
    assert server == {"gunicorn", "waitress"}


def test_collectstatic_writes_whitenoises_compressed_manifest(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = (settings.STATIC_ROOT / "staticfiles.json").read_text(encoding="utf-8")
    assert "css/site.css" in manifest
    hashed = next(settings.STATIC_ROOT.glob("css/site.*.css"))
    assert Path(f"{hashed}.gz").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_and_get(command: list[str], port: int, tmp_path: Path) -> tuple[int, bytes]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "DEBUG": "true"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/site.css", timeout=5) as response:
                    return response.status, response.read()
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stderr.read().decode(errors="replace")) from None
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_the_wsgi_application_runs_under_the_server_groups_servers(server, tmp_path):
    pytest.importorskip(server, reason=f"{server} comes with the server group: python3 scripts/dev.py test installs it")
    if server == "gunicorn" and os.name == "nt":
        pytest.skip("gunicorn does not run on Windows; waitress does")
    port = free_port()
    if server == "gunicorn":
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                   "iruma_eval.wsgi"]
    else:
        command = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "iruma_eval.wsgi:application"]
    status, body = serve_and_get(command, port, tmp_path)
    assert status == 200
    assert body == (ROOT / "static" / "css" / "site.css").read_bytes()
