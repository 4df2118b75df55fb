"""The content added to the bundled scripts: every new question is reached for its age
band, age-appropriate advice and services, and coded substances."""

from __future__ import annotations

import pytest
from test_interview_support import CRAFFT, DUDIT, PolicyAsker, new_interview, script

from rusenhet.interview import Answer, Prompt, Reply

# New questions per script, with the answers that make each reachable.
YOUTH_COMMON = ["sik_akutt", "sik_akutt_tiltak", "sik_akutt_notat", "sik_barnevern",
                "sik_barnevern_melding"]
CASES: list[tuple[str, int, dict[str, object], list[str]]] = [
    ("barn-under-16", 15,
     {"u16_skole": "ikke-skole", "sik_akutt": ("selvmord",), "sik_barnevern": "barnevern",
      "utfall_oppfolgingsbehov": ("arbeid-skole",)},
     ["u16_utenfor_skole", "u16_skolen_vet", "u16_hjem", "u16_psykisk", "u16_selvskading",
      "u16_gjeld_salg", "u16_stoffer", *YOUTH_COMMON]),
    ("ungdom-16-17", 17,
     {"sik_akutt": ("overdose",), "sik_barnevern": "barnevern",
      **{q: True for q in CRAFFT}},  # high risk: the youth route of the high-risk module
     ["u17_hjem", "u17_psykisk", "u17_selvskading", "u17_gjeld_salg", "u17_stoffer",
      "hr_ung_oppfolging", *YOUTH_COMMON]),
    ("ung-voksen-18-24", 24,
     {"sik_akutt": ("abstinens",), "u24_helse": "darlig", "vh_barn": True,
      "vh_overdose": True, "utfall_rad": ("kunnskap", "trafikk")},
     ["u24_bolig", "u24_helse", "u24_helse_hjelp", "u24_stoffer", "sik_akutt",
      "sik_akutt_tiltak", "vh_barn", "vh_barn_ivaretatt", "vh_injisert", "vh_overdose",
      "vh_opioider", "vh_nalokson", "vh_kjoring"]),
    ("voksen-25", 40,
     {"sik_akutt": ("ingen",), "vh_barn": True, "vh_injisert": "siste-ar",
      "utfall_rad": ("kunnskap", "trafikk")},
     ["v25_stoffer", "sik_akutt", "vh_barn", "vh_barn_ivaretatt", "vh_injisert",
      "vh_overdose", "vh_opioider", "vh_nalokson", "vh_kjoring"]),
]


def asked(script_id: str, age: int, fixed: dict[str, object]) -> list[str]:
    interview, _ = new_interview(script_id, age)
    asker = PolicyAsker(fixed)
    outcome = interview.run(asker)
    assert outcome.completed
    return [p.question.id for p in asker.prompts if p.question is not None]


@pytest.mark.parametrize(("script_id", "age", "fixed", "new"), CASES,
                         ids=[c[0] for c in CASES])
def test_every_new_question_is_reached_for_its_age_band(
        script_id: str, age: int, fixed: dict[str, object], new: list[str]) -> None:
    ids = asked(script_id, age, fixed)
    assert [q for q in new if q not in ids] == []


@pytest.mark.parametrize("script_id", ["ung-voksen-18-24", "voksen-25"])
def test_adults_get_neither_child_welfare_questions_nor_youth_services(script_id: str) -> None:
    top = {q: max(script(script_id).question(q).options, key=lambda o: o.score or 0).code
           for q in DUDIT}
    ids = asked(script_id, 30 if script_id == "voksen-25" else 20, top)
    assert "hoy-risiko" in {m.id for m in script(script_id).modules}
    assert "hr_onsker_henvisning" in ids  # TSB through the GP
    assert not {"sik_barnevern", "sik_barnevern_melding", "hr_ung_oppfolging",
                "info_barnevern"} & set(ids)


def test_high_risk_youth_route_offers_youth_services_not_adult_tsb() -> None:
    ids = asked("ungdom-16-17", 17, {q: True for q in CRAFFT})
    assert "hr_ung_oppfolging" in ids and "hr_onsker_henvisning" not in ids
    options = script("ungdom-16-17").question("hr_ung_oppfolging").codes
    assert {"bup", "ungdomsteam"} <= set(options)


def _refused_once(qid: str, first: object, then: object) -> tuple[list[str], dict[str, object]]:
    errors: list[str] = []

    def reply(prompt: Prompt) -> Reply:
        if prompt.error is not None:
            errors.append(prompt.error.render("nb"))
            return Answer(then)
        return Answer(first)

    return errors, {qid: reply}


def test_no_harm_reduction_advice_under_16() -> None:
    errors, fixed = _refused_once("utfall_rad", ("skadereduksjon",), ("slutte",))
    interview, _ = new_interview("barn-under-16", 15)
    outcome = interview.run(PolicyAsker({**fixed, "sik_akutt": ("ingen",)}))
    assert errors == ["Råd om tryggere bruk gis ikke til barn under 16 år; gi råd om å la "
                      "være og involver foresatte."]
    assert outcome.result is not None and outcome.result.advice_codes == ("slutte",)
    # from 16 the same advice is accepted
    errors16, fixed16 = _refused_once("utfall_rad", ("skadereduksjon",), ("slutte",))
    interview, _ = new_interview("ungdom-16-17", 16)
    outcome = interview.run(PolicyAsker({**fixed16, "sik_akutt": ("ingen",)}))
    assert errors16 == [] and outcome.result is not None
    assert outcome.result.advice_codes == ("skadereduksjon",)


def test_youth_services_only_under_18() -> None:
    errors, fixed = _refused_once("utfall_henvisninger", ("bup",), ("fastlege",))
    interview, _ = new_interview("ung-voksen-18-24", 19)
    interview.run(PolicyAsker({**fixed, "sik_akutt": ("ingen",)}))
    assert errors == ["BUP og ungdomsteamet er for personer under 18 år."]


@pytest.mark.parametrize("script_id", ["barn-under-16", "ungdom-16-17", "ung-voksen-18-24",
                                       "voksen-25"])
def test_substances_are_coded_the_same_everywhere_and_exclusive_answers_stand_alone(
        script_id: str) -> None:
    s = script(script_id)
    (q,) = [q for q in s.questions if q.records is not None and q.records.value == "substances"]
    assert q.codes == ("alkohol", "cannabis", "sentralstimulerende", "piller", "opioider",
                       "annet", "ingen", "vil-ikke-svare")
    age = s.script.ages[0] if s.script.ages[0] > 0 else 15
    errors, fixed = _refused_once(q.id, ("ingen", "cannabis"), ("vil-ikke-svare",))
    interview, _ = new_interview(script_id, age)
    outcome = interview.run(PolicyAsker({**fixed, "sik_akutt": ("ingen",)}))
    assert len(errors) == 1 and outcome.result is not None
    assert outcome.result.substances == ("vil-ikke-svare",)



#: Every bundled template version and the SHA-256 of its text (line endings normalised).
#: A change of wording needs a new version (DESIGN §4: meetings store id, version and
#: hash): when this test fails, bump the template's version and pin the new hash here.
PINNED_VERSIONS = {
    "barn-under-16@1.1.0": "ab73a5694a463d4211b702a9bb82d8d730a8cfe2bb374a147c53b87129d67a72",
    "felles-informasjon@1.1.0": "163d3cd3c842679f7d9f4b41073e2cd60bdb3346bd834e51c1e4edec92d4c3da",
    "felles-sikkerhet@1.0.0": "94046886de832bd2fec4cf323ad31a0e5ef27bb6386fa02f655f258b38b21384",
    "felles-utfall@1.1.0": "a12e6f1c0016cb49574d6c571b2b5199787cbd8ba870419f05c70a83e2ed5f3f",
    "hoy-risiko@1.1.0": "65b288bc7dba513f0690c913b3931e8f70c6bcddce0e6e25a94e71d5e05e6a98",
    "ung-voksen-18-24@1.1.0": "8b02b190670e91061b8acc61795d44a846e71e2b638333255c677385c4680e7f",
    "ungdom-16-17@1.1.0": "e4900cdc8ab784e80eaf13268fed6ce1a60bdf7516f411337d80d8ccda4e99f1",
    "voksen-25@1.1.0": "0e985d0aefb95189d3b05c2acff5a8c06b39b4c0545e5090d858d6d67ee9718b",
    "voksen-helse@1.0.0": "5ecb58a1fd1ac77ad2ea4c4fd3e6cbea08190db02856f7dcfb5273f1c0c979fe",
}


def test_a_changed_template_has_a_new_version() -> None:
    import hashlib
    import tomllib

    from rusenhet.interview import bundled_scripts_dir

    found = {}
    for path in sorted(bundled_scripts_dir().glob("*.toml")):
        data = path.read_bytes().replace(b"\r\n", b"\n")
        meta = tomllib.loads(data.decode("utf-8"))
        found[f"{meta['id']}@{meta['version']}"] = hashlib.sha256(data).hexdigest()
    changed = sorted(k for k, v in found.items() if PINNED_VERSIONS.get(k) != v)
    assert changed == [], f"wording changed without a new version (or not pinned): {changed}"
