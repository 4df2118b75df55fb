"""``check``: every problem as ``file:line: message`` in the requested language, exact
output on the broken fixtures in tests/fixtures/scripts/, and the library refusing them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rusenhet.errors import InputError
from rusenhet.interview import ScriptError, ScriptLibrary, bundled_scripts_dir, check
from rusenhet.interview import templates as templates_module

FIXTURES = Path(__file__).parent / "fixtures" / "scripts"

EXPECTED_NB = """\
bad_expression.toml:25: uttrykket «q1.bit_length() > 2»: punktum-oppslag (attributter og metoder) er ikke tillatt i uttrykk (kolonne 1)
bad_toml.toml:4: ugyldig TOML: Unclosed inline table
cycle.toml:23: beregnede verdier avhenger av hverandre i ring: a → b → a
duplicate_code.toml:21: koden «rod» finnes fra før
duplicate_id.toml:20: id-en «q1» er brukt før i skriptet eller en av modulene det bruker
duplicate_script_b.toml:3: id-en «fixture-duplicate-script» er allerede brukt i duplicate_script_a.toml
forward_reference.toml:18: uttrykket «q2»: «q2» er ikke kjent ennå her (det kommer senere i skriptet)
missing_score.toml:20: svaralternativet «ofte» i «hvor_ofte» mangler poeng, men score(hvor_ofte) brukes
never_shown.toml:28: spørsmålet «mange» kan aldri vises: betingelsen i show_if blir aldri oppfylt
type_error.toml:25: uttrykket «alder_debut == 'tolv'»: «==» kan ikke brukes på heltall og tekst
unknown_key.toml:18: ukjent nøkkel «show_iff» (mente du «show_if»?)
"""

EXPECTED_EN = """\
bad_expression.toml:25: expression "q1.bit_length() > 2": dot access (attributes and methods) is not allowed in expressions (column 1)
bad_toml.toml:4: invalid TOML: Unclosed inline table
cycle.toml:23: computed values depend on each other in a cycle: a → b → a
duplicate_code.toml:21: code "rod" already exists
duplicate_id.toml:20: the id "q1" is already used in the script or one of the modules it uses
duplicate_script_b.toml:3: the id "fixture-duplicate-script" is already used in duplicate_script_a.toml
forward_reference.toml:18: expression "q2": "q2" is not known yet here (it comes later in the script)
missing_score.toml:20: option "ofte" of "hvor_ofte" has no score, but score(hvor_ofte) is used
never_shown.toml:28: question "mange" can never be shown: its show_if condition is never met
type_error.toml:25: expression "alder_debut == 'tolv'": "==" cannot be used on integer and text
unknown_key.toml:18: unknown key "show_iff" (did you mean "show_if"?)
"""


def rendered(paths: list[Path], lang: str, base: Path) -> str:
    lines = [p.render(lang) for p in check(paths)]
    return "".join(line.replace(f"{base}/", "") + "\n" for line in lines)


@pytest.mark.parametrize(("lang", "expected"), [("nb", EXPECTED_NB), ("en", EXPECTED_EN)])
def test_check_reports_every_fixture_problem_exactly(lang: str, expected: str) -> None:
    assert rendered([FIXTURES], lang, FIXTURES) == expected


def test_library_refuses_broken_scripts_with_all_problems() -> None:
    with pytest.raises(ScriptError) as err:
        ScriptLibrary.load([FIXTURES])
    assert err.value.key == "interview.error.scripts_invalid"
    assert err.value.params["count"] == len(err.value.problems) >= 10
    assert isinstance(err.value, InputError) and err.value.exit_code == 1


HEAD = """\
kind = "script"
id = "{id}"
version = "1"
title = {{ nb = "Test", en = "Test" }}
ages = [30]
risk_levels = ["low", "moderate"]
include = ["felles-utfall"]

[[section]]
process = "focusing"
title = {{ nb = "Del", en = "Part" }}

[[section.question]]
id = "q1"
type = "yesno"
prompt = {{ nb = "Spørsmål?", en = "Question?" }}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str, lang: str = "en") -> list[str]:
    write(tmp_path, "s.toml", text)
    return [p.render(lang).replace(f"{tmp_path}/", "") for p in check([tmp_path])]


def test_a_good_local_script_loads_beside_the_bundled_ones(tmp_path: Path) -> None:
    write(tmp_path, "lokal.toml", HEAD.format(id="lokal-oppfolging"))
    assert check([tmp_path]) == []
    library = ScriptLibrary.load([tmp_path])
    assert "lokal-oppfolging" in library.scripts
    assert "lokal-oppfolging" not in library.bundled
    assert library.get("lokal-oppfolging").identity.modules[0].id == "felles-utfall"
    with pytest.raises(InputError) as err:
        library.get("finnes-ikke")
    assert err.value.key == "interview.error.unknown_script"


def test_a_local_script_may_not_reuse_a_bundled_id(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEAD.format(id="voksen-25")) == [
        f's.toml:2: the id "voksen-25" is already used in {bundled_scripts_dir()}/voksen-25.toml'
    ]


def test_module_problems_and_unknown_modules(tmp_path: Path) -> None:
    text = HEAD.format(id="x").replace('["felles-utfall"]', '["felles-utfall", "mangler"]')
    text += '\n[[rule]]\nid = "r"\nwhen = "q1"\nrisk = "high"\npull = ["felles-informasjon"]\n'
    assert problems_of(tmp_path, text) == [
        's.toml:7: unknown module "mangler"',
        's.toml:21: the rule sets risk level "high", which is not in "risk_levels"',
        's.toml:22: module "felles-informasjon" is not a follow-up module (place = "follow-up") '
        "and cannot be pulled in by a rule",
    ]


def test_problem_without_a_line_names_the_table_path(tmp_path: Path) -> None:
    text = HEAD.format(id="x").replace('include = ["felles-utfall"]\n', "")
    assert problems_of(tmp_path, text, "nb") == [
        's.toml: include: skriptet bruker ingen avslutningsmodul (place = "outcome")'
    ]


def test_many_problems_in_one_file_are_all_reported(tmp_path: Path) -> None:
    text = HEAD.format(id="x") + textwrap.dedent(
        """
        [[section.question]]
        id = "age"
        type = "integer"
        prompt = { nb = "Alder?", en = "Age?" }

        [[section.question]]
        id = "q3"
        type = "text"
        min = 1
        prompt = { nb = "Tekst?" }

        [[section.question]]
        id = "q4"
        type = "single"
        scale = "mangler"
        prompt = { nb = "Valg?", en = "Choice?" }
        required = "ja"
        """
    )
    assert problems_of(tmp_path, text) == [
        's.toml:18: integer questions need both "min" and "max"',
        's.toml:19: "age" is a reserved name and cannot be used as an id',
        's.toml:26: "min" cannot be used for questions of type "text"',
        's.toml:27: missing key "en"',
        's.toml:32: unknown scale "mangler"',
        's.toml:34: "required" must be true or false',
    ]


def test_scripts_and_modules_share_one_name_space(tmp_path: Path) -> None:
    text = HEAD.format(id="x").replace('id = "q1"', 'id = "utfall_rad"')
    assert problems_of(tmp_path, text) == [
        's.toml:14: the id "utfall_rad" is already used in the script or one of the modules it uses'
    ]


def test_expression_type_and_option_errors(tmp_path: Path) -> None:
    text = HEAD.format(id="x") + textwrap.dedent(
        """
        [[section.question]]
        id = "farge"
        type = "single"
        prompt = { nb = "Farge?", en = "Colour?" }
        options = [
          { code = "rod", label = { nb = "Rød", en = "Red" } },
          { code = "bla", label = { nb = "Blå", en = "Blue" } },
        ]

        [[section.question]]
        id = "q3"
        type = "yesno"
        prompt = { nb = "?", en = "?" }
        show_if = "farge == 'gronn'"

        [[section.question]]
        id = "q4"
        type = "yesno"
        prompt = { nb = "?", en = "?" }
        show_if = "count(farge) > 1"

        [[section.question]]
        id = "q5"
        type = "yesno"
        prompt = { nb = "?", en = "?" }
        show_if = "sex == 'mann'"

        [[section.question]]
        id = "q6"
        type = "yesno"
        prompt = { nb = "?", en = "?" }
        show_if = "risk == 'high'"

        [[computed]]
        id = "tall"
        expr = "farge + 1"

        [[rule]]
        id = "r"
        when = "q1 and 2"
        risk = "moderate"
        """
    )
    assert problems_of(tmp_path, text) == [
        's.toml:31: expression "farge == \'gronn\'": "gronn" is not a possible value here; '
        "possible values: bla, rod",
        's.toml:37: expression "count(farge) > 1": count() only applies to multiple-choice '
        'questions, and "farge" is not one',
        's.toml:43: expression "sex == \'mann\'": "mann" is not a possible value here; '
        "possible values: female, male",
        's.toml:49: expression "risk == \'high\'": "risk" is not known yet here (it comes '
        "later in the script)",
        's.toml:53: expression "farge + 1": "+" cannot be used on text and integer',
        's.toml:57: expression "q1 and 2": "and" cannot be used on yes/no and integer',
    ]


def test_file_level_errors(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes(b'kind = "script"\ntitle = "S\xf8r"\n')
    write(tmp_path, "kind.toml", 'kind = "skjema"\n')
    write(tmp_path, "open.toml", 'kind = "script"\nid = "x\n')
    out = [p.render("en").replace(f"{tmp_path}/", "") for p in check([tmp_path])]
    assert out == [
        'kind.toml:1: "kind" must be "script" or "module", not "skjema"',
        "latin1.toml:2: the file is not valid UTF-8",
        "open.toml:2: invalid TOML: Illegal character '\\n'",
    ]


def test_bundled_dir_falls_back_to_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(package: str) -> Path:
        return Path("/nonexistent/rusenhet")

    monkeypatch.setattr(templates_module.resources, "files", missing)
    assert bundled_scripts_dir() == Path(templates_module.__file__).resolve().parents[2] / (
        "templates"
    )


TRICKY = '''\
title = """A "quoted" word, \\""" and
more"""  # line 2
lit = \'\'\'x\'\'\'
[[section]]
process = "engaging"
intro.nb = "Hei, \\"du\\""
options = [
  { code = "a", label = { nb = "A", en = "A" } },  # 8
  # a comment with ] and }
  { code = "b", label = { nb = "B ]", en = "B" } },
]
[[section.question]]
id = "q1"
[[section.question.constraint]]
expr = "q1"
[[section]]
[[section.question]]
id = "q2"
'''


def test_source_index_finds_lines_of_keys_tables_and_array_elements() -> None:
    from rusenhet.interview.source import SourceIndex, format_path

    index = SourceIndex(TRICKY)
    assert index.line(("title",)) == 1
    assert index.line(("lit",)) == 3
    assert index.line(("section", 0)) == 4
    assert index.line(("section", 0, "intro", "nb")) == 6
    assert index.line(("section", 0, "options", 0, "code")) == 8
    assert index.line(("section", 0, "options", 1, "label", "en")) == 10
    assert index.line(("section", 0, "question", 0, "id")) == 13
    assert index.line(("section", 0, "question", 0, "constraint", 0, "expr")) == 15
    assert index.line(("section", 1, "question", 0, "id")) == 18
    assert index.line(("section", 1, "question", 0, "show_if")) == 17  # falls back to table
    assert index.line(("nothing",)) is None
    assert format_path(("section", 1, "question", 0, "show_if")) == (
        "section[1].question[0].show_if"
    )


def test_a_broken_module_is_reported_once_not_in_every_script_using_it(tmp_path: Path) -> None:
    write(
        tmp_path,
        "modul.toml",
        """\
        kind = "module"
        id = "lokal-modul"
        version = "1"
        place = "follow-up"
        title = { nb = "M", en = "M" }

        [[section]]
        process = "planning"
        title = { nb = "M", en = "M" }

        [[section.question]]
        id = "m1"
        type = "yesno"
        prompt = { nb = "?", en = "?" }
        show_if = "q1"
        """,
    )
    text = HEAD.format(id="x").replace('["felles-utfall"]', '["felles-utfall", "lokal-modul"]')
    write(tmp_path, "s.toml", text)
    out = [p.render("en").replace(f"{tmp_path}/", "") for p in check([tmp_path])]
    assert out == ['modul.toml:15: expression "q1": unknown name "q1"']
