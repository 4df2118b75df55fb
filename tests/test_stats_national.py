"""National aggregation: encrypted exports from units, combined and suppressed once."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env, Result
from test_referral_kit import synthetic

from rusenhet.errors import ExitCode, InputError
from rusenhet.stats import national
from rusenhet.stats.disclosure import Rules


def _unit_with_referrals(env: Env, kommune: str, n: int, seed: int) -> None:
    secret = env.write_secret("anne.pass", ADMIN_PASS)
    made = env.run(["--user", "anne", "init", "--unit-name", f"Enhet {kommune}",
                    "--kommunenummer", kommune, "--new-passphrase-file", str(secret)])
    assert made.exit_code == 0, made.output
    env.add_user("ola", "counsellor", COUNSELLOR_PASS)
    env.add_user("siv", "supervisor", SUPERVISOR_PASS)
    rng = random.Random(seed)
    for i in range(n):
        birth = date(rng.randint(1970, 2008), rng.randint(1, 12), rng.randint(1, 28))
        result = env.run(["referral", "add", "--id-number", synthetic(birth, seed=seed * 100 + i),
                          "--name", f"Person {kommune} {i}", "--received",
                          f"2024-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}",
                          "--legal-basis", rng.choice(["paatale", "betinget-dom"]),
                          "--authority", "Politiet", "--deadline", "2024-12-31", "--yes"],
                         passphrase=COUNSELLOR_PASS, user="ola",
                         env={"RUSENHET_TODAY": "2024-06-30"})
        assert result.exit_code == 0, result.output
    from test_stats_publish import hold_meetings

    profiles = ("low", "moderate", "high")
    hold_meetings(env, {i + 1: profiles[i % 3] for i in range(n) if i % 4 != 3},
                  held_on="2024-06-29", today="2024-06-30")


def _as(env: Env, args: list[str], user: str = "anne") -> Result:
    pw = {"anne": ADMIN_PASS, "ola": COUNSELLOR_PASS, "siv": SUPERVISOR_PASS}[user]
    return env.run(args, passphrase=pw, user=user, env={"RUSENHET_TODAY": "2025-01-10"})


@pytest.fixture
def three_units(env: Env) -> tuple[Env, list]:  # type: ignore[type-arg]
    keyfile = env.root / "agg.pem"
    assert env.run(["stats", "aggregator-key", "--out", str(keyfile)]).exit_code == 0
    exports = []
    for i, (kommune, n) in enumerate((("4601", 7), ("4602", 5), ("1103", 9))):
        env.vault = env.root / f"unit{i}" / "unit.vault"
        env.vault.parent.mkdir()
        _unit_with_referrals(env, kommune, n, seed=i + 1)
        out = env.root / f"export-{kommune}.json"
        result = _as(env, ["stats", "export", "2024", "--recipient-key", f"{keyfile}.pub",
                           "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "personopplysninger" in result.stderr
        exports.append(out)
    return env, exports


def test_export_is_encrypted_and_admin_only(three_units: tuple[Env, list]) -> None:  # type: ignore[type-arg]
    env, exports = three_units
    text = exports[0].read_text()
    assert "Person" not in text and '"counts"' not in text
    envelope = json.loads(text)
    assert envelope["meta"]["kommunenummer"] == "4601" and envelope["meta"]["year"] == 2024
    denied = _as(env, ["stats", "export", "2024", "--recipient-key",
                       str(env.root / "agg.pem.pub"), "--out", str(env.root / "x.json")],
                 user="siv")
    assert denied.exit_code == ExitCode.ACCESS


def test_combine_three_units_and_publish(three_units: tuple[Env, list]) -> None:  # type: ignore[type-arg]
    env, exports = three_units
    out = env.root / "national.json"
    result = env.run(["stats", "combine", *map(str, exports), "--key", str(env.root / "agg.pem"),
                      "--publish", "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    cells = {(t["name"], *(str(c[d]) for d in t["dimensions"])): c["symbol"]
             for t in data["tables"] for c in t["cells"]}
    assert cells[("sex", "Total")] == "21"
    for symbol in cells.values():
        assert symbol in (":", ".") or not 1 <= int(symbol) <= 4
    # The county hierarchy: 4601 and 4602 are both in county 46.
    assert ("municipality", "fylke-46") in cells


def test_combine_rejects_duplicates_tampering_and_wrong_keys(three_units: tuple[Env, list]) -> None:  # type: ignore[type-arg]
    env, exports = three_units
    key = str(env.root / "agg.pem")
    dup = env.run(["stats", "combine", str(exports[0]), str(exports[0]), "--key", key])
    assert dup.exit_code == ExitCode.INPUT
    tampered = env.root / "tampered.json"
    envelope = json.loads(exports[1].read_text())
    envelope["meta"]["kommunenummer"] = "4601"  # pretend to be another unit
    tampered.write_text(json.dumps(envelope))
    bad = env.run(["stats", "combine", str(tampered), "--key", key])
    assert bad.exit_code == ExitCode.INPUT and "tampered.json" in bad.stderr
    other = env.root / "other.pem"
    assert env.run(["stats", "aggregator-key", "--out", str(other)]).exit_code == 0
    wrong = env.run(["stats", "combine", str(exports[0]), "--key", str(other)])
    assert wrong.exit_code == ExitCode.INPUT
    garbage = env.root / "garbage.json"
    garbage.write_text("{not json")
    assert env.run(["stats", "combine", str(garbage), "--key", key]).exit_code == 1


def test_overlap_and_negative_counts() -> None:
    a = national.UnitExport("4601", 2024, "a", "16,18,25", ())
    b = national.UnitExport("4601", 2024, "b", "16,18,25", ())
    with pytest.raises(InputError) as info:
        national.check_exports([a, b])
    assert info.value.key == "national.overlap"
    cell = ("2024-01", "18-24", "male", "paatale", "low", "attended", "avsluttet", "no")
    c = national.UnitExport("0301", 2024, "c", "16,18,25", ((cell, 3),))
    release = national.combine([c], Rules())
    assert release.persons == 3
    with pytest.raises(InputError):
        national.combine([national.UnitExport("0301", 2024, "d", "16,18,25",
                                              ((("2024-13", *cell[1:]), 1),))])


def test_fuzzed_export_files_raise_only_our_errors(env: Env) -> None:
    """Random and mutated export envelopes: an InputError naming the file, never a crash."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    private, public = national.new_aggregator_key()
    good = json.loads(_make_export(public))

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        choice = data.draw(st.sampled_from(["text", "meta", "ct", "field"]))
        envelope = json.loads(json.dumps(good))
        if choice == "text":
            text = data.draw(st.text(max_size=200))
        else:
            if choice == "meta":
                envelope["meta"][data.draw(st.sampled_from(list(envelope["meta"])))] = \
                    data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=6)))
            elif choice == "ct":
                raw = bytearray(envelope["ct"].encode())
                raw[data.draw(st.integers(0, len(raw) - 1))] = ord("A")
                envelope["ct"] = raw.decode()
            else:
                envelope.pop(data.draw(st.sampled_from(list(envelope))))
            text = json.dumps(envelope)
        try:
            national.open_export(text, private, "fuzz.json")
        except InputError as exc:
            assert exc.params.get("file", "fuzz.json") == "fuzz.json"

    fuzz()


def _make_export(public_pem: str) -> str:
    """An export envelope made by the real code path, from a tiny synthetic vault."""
    import tempfile
    from pathlib import Path

    from rusenhet import users

    with tempfile.TemporaryDirectory() as tmp:
        vault, _ = users.init_vault(Path(tmp) / "v.vault", "anne", ADMIN_PASS,
                                    unit_name="Fuzz", kommunenummer="0301", lang="nb",
                                    demo=True)
        text, _meta = national.export(vault, 2024, public_pem)
        return text
