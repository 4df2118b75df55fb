"""Shared fixtures: every test gets its own vault, state and temp folders under tmp_path,
and the documented low Argon2 cost (RUSENHET_DEMO_KDF=1), never a production default."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rusenhet.cli.app import app

ADMIN_PASS = "grønn elg går over bekken"
COUNSELLOR_PASS = "blå måke flyr over fjorden"
SUPERVISOR_PASS = "rød rev sover under granen"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Env:
    root: Path
    vault: Path
    state: Path
    tmp: Path

    def write_secret(self, name: str, text: str) -> Path:
        path = self.root / "secrets" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        return path

    def run(self, args: Sequence[str], *, passphrase: str | None = None, user: str | None = None,
            env: dict[str, str] | None = None, input: str | None = None) -> Result:
        """Run the real CLI in-process through Typer's runner."""
        full_env = {"NO_COLOR": "1", "COLUMNS": "100"}
        if passphrase is not None:
            full_env["RUSENHET_PASSPHRASE"] = passphrase
        if user is not None:
            full_env["RUSENHET_USER"] = user
        full_env.update(env or {})
        result = CliRunner().invoke(app, ["--vault", str(self.vault), *args], env=full_env,
                                    input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    def run_process(self, args: Sequence[str], *, passphrase: str | None = None,
                    user: str | None = None, env: dict[str, str] | None = None,
                    timeout: float = 60) -> Result:
        """Run the real CLI as a separate process (``python -m rusenhet``)."""
        full_env = dict(os.environ, NO_COLOR="1", COLUMNS="100")
        if passphrase is not None:
            full_env["RUSENHET_PASSPHRASE"] = passphrase
        if user is not None:
            full_env["RUSENHET_USER"] = user
        full_env.update(env or {})
        proc = subprocess.run([sys.executable, "-m", "rusenhet", *args], env=full_env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def init(self, *, admin: str = "anne", unit: str = "Testby rådgivende enhet",
             kommune: str = "4601") -> Result:
        secret = self.write_secret(f"{admin}.pass", ADMIN_PASS)
        result = self.run(["--user", admin, "init", "--unit-name", unit, "--kommunenummer", kommune,
                           "--new-passphrase-file", str(secret)])
        assert result.exit_code == 0, result.output
        return result

    def add_user(self, name: str, role: str, passphrase: str, *, admin: str = "anne") -> None:
        secret = self.write_secret(f"{name}.pass", passphrase)
        result = self.run(["user", "add", name, "--role", role, "--new-passphrase-file",
                           str(secret)], passphrase=ADMIN_PASS, user=admin)
        assert result.exit_code == 0, result.output


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    vault_dir = tmp_path / "vault"
    vault_dir.mkdir()
    e = Env(root=tmp_path, vault=vault_dir / "unit.vault", state=tmp_path / "state",
            tmp=tmp_path / "tmp")
    e.tmp.mkdir()
    for var in ("RUSENHET_PASSPHRASE", "RUSENHET_PASSPHRASE_FILE", "RUSENHET_USER",
                "RUSENHET_LANG", "RUSENHET_SCRIPTS", "RUSENHET_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RUSENHET_VAULT", str(e.vault))
    monkeypatch.setenv("RUSENHET_STATE_DIR", str(e.state))
    monkeypatch.setenv("RUSENHET_DEMO_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("RUSENHET_DEMO_KDF", "1")  # documented low Argon2 cost for tests
    monkeypatch.setenv("RUSENHET_LOCK_TIMEOUT", "5")
    monkeypatch.setenv("TMPDIR", str(e.tmp))
    yield e


@pytest.fixture
def unit(env: Env) -> Env:
    """A vault with an admin (anne), a counsellor (ola) and a supervisor (siv)."""
    env.init()
    env.add_user("ola", "counsellor", COUNSELLOR_PASS)
    env.add_user("siv", "supervisor", SUPERVISOR_PASS)
    return env


def files_containing(roots: Sequence[Path], needles: Sequence[str]) -> list[tuple[Path, str]]:
    """Every (file, needle) where a needle appears in plain text (UTF-8, UTF-16 or
    decomposed Unicode) in any file below ``roots``."""
    import unicodedata

    hits = []
    forms = []
    for needle in needles:
        for form in {needle, unicodedata.normalize("NFD", needle)}:
            forms.append((needle, form.encode("utf-8")))
            forms.append((needle, form.encode("utf-16-le")))
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                hits += [(path, n) for n, f in forms if f in data]
    return sorted(set(hits))
