"""The interview catalogue: nb and en alike, and every key the code uses is there."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from rusenhet.i18n import catalogue
from rusenhet.interview.expr import CONSTRUCTS
from rusenhet.interview.exprcheck import Kind
from rusenhet.interview.model import Process, RiskLevel

ROOT = Path(__file__).parent.parent
SOURCES = [*sorted((ROOT / "rusenhet" / "interview").glob("*.py")), ROOT / "rusenhet/cli/asker.py"]


def _flat(prefix: str, table: dict[str, object], out: dict[str, str]) -> dict[str, str]:
    for key, value in table.items():
        if isinstance(value, dict):
            _flat(f"{prefix}{key}.", value, out)
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def _file(lang: str) -> dict[str, str]:
    path = ROOT / "rusenhet" / "locales" / lang / "interview.toml"
    return _flat("", tomllib.loads(path.read_text("utf-8")), {})


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_nb_and_en_have_the_same_keys_and_placeholders() -> None:
    nb, en = _file("nb"), _file("en")
    assert sorted(nb) == sorted(en)
    for key in nb:
        assert _placeholders(nb[key]) == _placeholders(en[key]), key


def _used_keys() -> set[str]:
    used: set[str] = set()
    for path in SOURCES:
        text = path.read_text("utf-8")
        used |= set(re.findall(r'"(interview\.[a-z_]+\.[a-z_]+)"', text))
        # self.problem(path, "name", ...) and _msg("name", ...) build interview.problem.<name>
        calls = r'(?:\.problem\((?:[^()"]|\([^()]*\))*?|_msg\()\s*"([a-z_]+)"'
        used |= {f"interview.problem.{n}" for n in re.findall(calls, text, re.DOTALL)}
    used |= {f"interview.kind.{k.value}" for k in Kind}
    used |= {f"interview.process.{p.value}" for p in Process}
    used |= {f"interview.risk.{r.value}" for r in RiskLevel}
    used |= {f"interview.ask.{name}" for name in ("commands", "commands_no_skip")}
    used |= {f"interview.expr.construct.{n}" for n in [*CONSTRUCTS.values(), "other"]}
    return used


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_key_the_code_uses_is_in_the_catalogue(lang: str) -> None:
    used = _used_keys()
    assert len(used) > 100
    missing = sorted(k for k in used if k not in catalogue(lang))
    assert missing == []


def test_the_catalogue_has_no_unused_interview_keys() -> None:
    keys = {k for k in catalogue("nb") if k.startswith("interview.")}
    assert sorted(keys - _used_keys()) == []
