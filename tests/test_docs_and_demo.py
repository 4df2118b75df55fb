"""The README stays honest (every command documented, exit codes match the enum), and
the demo runs end to end on its own vault."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from conftest import Env

from rusenhet.cli.app import app
from rusenhet.errors import ExitCode

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: object, prefix: str = "") -> list[str]:
    names = []
    for name, command in getattr(group, "commands", {}).items():
        full = f"{prefix}{name}"
        if getattr(command, "commands", None):
            names += _commands(command, full + " ")
        else:
            names.append(full)
    return names


def test_every_command_is_in_the_readme() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 10
    missing = [c for c in commands if f"`rusenhet {c}" not in README]
    assert missing == []


def test_exit_codes_documented() -> None:
    table = README.split("## Exit codes", 1)[1].split("##", 1)[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == {int(c) for c in ExitCode}


def test_readme_opens_with_two_setup_commands() -> None:
    setup = README.split("## Set up", 1)[1].split("## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", setup, re.S)
    assert len(blocks) == 2
    assert "rusenhet demo" in blocks[0] and "pytest" in blocks[1]


def test_demo_runs_on_its_own_vault_and_ignores_rusenhet_vault(env: Env) -> None:
    first = env.run_process(["demo"], env={"RUSENHET_VAULT": str(env.vault)})
    assert first.exit_code == 0, first.output
    demo_vault = env.root / "demo" / "demo.vault"
    assert demo_vault.exists() and not env.vault.exists()
    assert str(demo_vault) in first.stdout
    # Runs again (replaces its own demo vault) ...
    again = env.run_process(["--lang", "en", "demo"])
    assert again.exit_code == 0, again.output
    assert "Try for example" in again.stdout
    # ... and the printed commands work.
    listed = env.run(["--vault", str(demo_vault), "user", "list"], user="admin",
                     passphrase="demo admin blåbær fjellvann")
    assert listed.exit_code == 0, listed.output


def test_demo_never_overwrites_a_real_vault(env: Env) -> None:
    env.init()
    demo_dir = env.root / "demo"
    demo_dir.mkdir()
    real = env.vault.read_bytes()
    # A production-flagged vault where the demo vault would go is left alone.
    (demo_dir / "demo.vault").write_bytes(real.replace(b'"demo":true', b'"demo":false'))
    result = env.run(["demo"])
    assert result.exit_code == ExitCode.INPUT
    assert (demo_dir / "demo.vault").exists()


def test_demo_covers_every_age_band_and_risk_level(env: Env) -> None:
    assert env.run(["demo"]).exit_code == 0
    from rusenhet.vault import Vault

    v = Vault.open(env.root / "demo" / "demo.vault", "fagleder", "demo fagleder multe myr")
    bands = {r[0] for r in v.stats_conn.execute("SELECT age_band FROM referral_fact")}
    risks = {r[0] for r in v.stats_conn.execute(
        "SELECT risk_level FROM meeting_fact WHERE kind = 'held'")}
    kinds = {r[0] for r in v.stats_conn.execute("SELECT kind FROM meeting_fact")}
    assert bands == {"0-15", "16-17", "18-24", "25+"}
    assert risks == {"low", "moderate", "high"}
    assert kinds == {"held", "no-show"}


def test_demo_tour_shows_each_step(env: Env) -> None:
    out = env.run(["--lang", "en", "demo"])
    assert out.exit_code == 0, out.output
    for step in ("1. Open referrals", "2. The agenda", "3. An advisory meeting",
                 "4. Statistics for this month", "5. Try it yourself",
                 "INTERNAL – not for publication", "The supervisor publishes",
                 "## Persons by age band"):
        assert step in out.stdout, step
    published = list((env.root / "demo").glob("publisert-*.md"))
    assert len(published) == 1
    assert "Person" not in published[0].read_text(encoding="utf-8").replace("Persons", "")
