"""The bundled scripts: clean, selected by age, MI order, and every scoring rule at its
boundaries (hand-computed totals; DESIGN §4 scoring facts)."""

from __future__ import annotations

import pytest
from test_interview_support import (
    AUDIT,
    AUDITC,
    CRAFFT,
    DUDIT,
    codes_for_total,
    library,
    run_policy,
    script,
)

from rusenhet.errors import InputError
from rusenhet.interview import (
    MeetingContext,
    Referral,
    RiskLevel,
    ScriptLibrary,
    bundled_scripts_dir,
    check,
    select_script,
)
from rusenhet.interview.model import Process
from rusenhet.interview.scoring import ScriptEnv

SCRIPTS = ["barn-under-16", "ungdom-16-17", "ung-voksen-18-24", "voksen-25"]


def test_bundled_scripts_have_no_problems() -> None:
    assert check([bundled_scripts_dir()]) == []
    assert sorted(s.id for s in library()) == sorted(SCRIPTS)
    assert library().bundled == frozenset(SCRIPTS)


@pytest.mark.parametrize(
    ("age", "expected", "reason"),
    [
        (0, "barn-under-16", "0 år: skriptet «barn-under-16» gjelder alderen 0–15 år"),
        (15, "barn-under-16", "15 år: skriptet «barn-under-16» gjelder alderen 0–15 år"),
        (16, "ungdom-16-17", "16 år: skriptet «ungdom-16-17» gjelder alderen 16–17 år"),
        (17, "ungdom-16-17", "17 år: skriptet «ungdom-16-17» gjelder alderen 16–17 år"),
        (18, "ung-voksen-18-24", "18 år: skriptet «ung-voksen-18-24» gjelder alderen 18–24 år"),
        (24, "ung-voksen-18-24", "24 år: skriptet «ung-voksen-18-24» gjelder alderen 18–24 år"),
        (25, "voksen-25", "25 år: skriptet «voksen-25» gjelder fra 25 år"),
        (40, "voksen-25", "40 år: skriptet «voksen-25» gjelder fra 25 år"),
    ],
)
def test_select_script_by_age(age: int, expected: str, reason: str) -> None:
    choice = select_script(library(), age)
    assert choice.script.id == expected
    assert choice.reason.render("nb") == reason


def test_select_script_reason_in_english_and_bad_age() -> None:
    assert select_script(library(), 40).reason.render("en") == (
        '40 years: script "voksen-25" is for ages 25 and over'
    )
    with pytest.raises(InputError) as err:
        select_script(library(), -1)
    assert err.value.key == "interview.error.bad_age"


def test_select_only_considers_bundled_scripts() -> None:
    lib = library()
    local = ScriptLibrary(lib.scripts, lib.modules, frozenset())
    with pytest.raises(InputError) as err:
        select_script(local, 30)
    assert err.value.key == "interview.select.none"


@pytest.mark.parametrize("script_id", SCRIPTS)
def test_scripts_follow_mi_processes_and_share_modules(script_id: str) -> None:
    s = script(script_id)
    processes = [p.section.process for p in s.sections]
    order = list(Process)
    assert set(processes) == set(Process)
    assert processes == sorted(processes, key=order.index)
    assert s.sections[0].module == "felles-informasjon"
    assert s.sections[-1].module == "felles-utfall"
    assert "hoy-risiko" in s.conditional
    assert s.identity.id == script_id
    adult = ["voksen-helse"] if s.script.ages[0] >= 18 else []
    assert [m.id for m in s.identity.modules] == [
        "felles-informasjon",
        "felles-sikkerhet",
        *adult,
        "hoy-risiko",
        "felles-utfall",
    ]
    assert all(len(m.sha256) == 64 for m in s.identity.modules)


def test_identity_hashes_are_of_exact_template_bytes() -> None:
    import hashlib

    s = script("voksen-25")
    data = (bundled_scripts_dir() / "voksen-25.toml").read_bytes()
    assert s.identity.sha256 == hashlib.sha256(data).hexdigest()
    info = (bundled_scripts_dir() / "felles-informasjon.toml").read_bytes()
    assert s.identity.modules[0].sha256 == hashlib.sha256(info).hexdigest()


def test_shared_information_is_given_in_every_script() -> None:
    for script_id in SCRIPTS:
        ids = [q.id for q in script(script_id).questions]
        for qid in ("info_formal", "info_taushetsplikt", "info_oppmote", "info_rettigheter"):
            assert qid in ids


# -- DUDIT-style: problem use >= 6 men / >= 2 women (unknown: 2); dependence >= 25 --------


def _dudit(script_id: str, age: int, total: int, sex: str | None) -> tuple[str, RiskLevel, bool]:
    s = script(script_id)
    answers: dict[str, object] = dict(codes_for_total(s, DUDIT, total))
    alcohol = AUDITC if script_id == "ung-voksen-18-24" else AUDIT
    answers.update(codes_for_total(s, alcohol, 0))
    result = run_policy(script_id, age, sex, answers)
    assert result.scores["dudit"] == total
    return result.bands["dudit"], result.risk, "hoy-risiko" in result.modules


@pytest.mark.parametrize(("script_id", "age"), [("ung-voksen-18-24", 20), ("voksen-25", 40)])
@pytest.mark.parametrize(
    ("total", "sex", "band", "risk"),
    [
        (0, None, "under-terskel", RiskLevel.LOW),
        (1, None, "under-terskel", RiskLevel.LOW),
        (1, "female", "under-terskel", RiskLevel.LOW),
        (2, None, "problembruk", RiskLevel.MODERATE),  # unknown sex: the lower threshold
        (2, "female", "problembruk", RiskLevel.MODERATE),
        (2, "male", "under-terskel", RiskLevel.LOW),
        (5, "male", "under-terskel", RiskLevel.LOW),
        (6, "male", "problembruk", RiskLevel.MODERATE),
        (24, "male", "problembruk", RiskLevel.MODERATE),
        (24, None, "problembruk", RiskLevel.MODERATE),
        (25, "male", "sannsynlig-avhengighet", RiskLevel.HIGH),
        (25, "female", "sannsynlig-avhengighet", RiskLevel.HIGH),
        (44, None, "sannsynlig-avhengighet", RiskLevel.HIGH),
    ],
)
def test_dudit_bands_and_risk(
    script_id: str, age: int, total: int, sex: str | None, band: str, risk: RiskLevel
) -> None:
    got_band, got_risk, high_module = _dudit(script_id, age, total, sex)
    assert (got_band, got_risk) == (band, risk)
    assert high_module == (risk is RiskLevel.HIGH)


def test_dudit_items_10_and_11_score_0_2_4() -> None:
    s = script("voksen-25")
    for qid in ("dudit_10", "dudit_11"):
        assert [o.score for o in s.question(qid).options] == [0, 2, 4]
    for qid in DUDIT[:9]:
        assert [o.score for o in s.question(qid).options] == [0, 1, 2, 3, 4]


# -- AUDIT-C-style (18–24): positive >= 4 men / >= 3 women (unknown: 3) --------------------


@pytest.mark.parametrize(
    ("total", "sex", "band", "risk"),
    [
        (2, None, "negativ", RiskLevel.LOW),
        (2, "female", "negativ", RiskLevel.LOW),
        (2, "male", "negativ", RiskLevel.LOW),
        (3, None, "positiv", RiskLevel.MODERATE),
        (3, "female", "positiv", RiskLevel.MODERATE),
        (3, "male", "negativ", RiskLevel.LOW),
        (4, "male", "positiv", RiskLevel.MODERATE),
        (4, None, "positiv", RiskLevel.MODERATE),
        (12, "male", "positiv", RiskLevel.MODERATE),
    ],
)
def test_audit_c_bands(total: int, sex: str | None, band: str, risk: RiskLevel) -> None:
    s = script("ung-voksen-18-24")
    answers = {**codes_for_total(s, DUDIT, 0), **codes_for_total(s, AUDITC, total)}
    result = run_policy("ung-voksen-18-24", 20, sex, answers)
    assert result.scores["auditc"] == total
    assert (result.bands["auditc"], result.risk) == (band, risk)


def test_audit_c_never_drinking_hides_the_other_items() -> None:
    s = script("ung-voksen-18-24")
    answers = {**codes_for_total(s, DUDIT, 0), "auditc_1": "aldri"}
    result = run_policy("ung-voksen-18-24", 20, None, answers)
    assert "auditc_2" not in result.answers and "auditc_3" not in result.answers
    assert result.scores["auditc"] == 0 and result.bands["auditc"] == "negativ"


# -- AUDIT-style (25+): zones 0–7, 8–15, 16–19, 20–40 ------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "risk"),
    [
        (0, "sone-1", RiskLevel.LOW),
        (7, "sone-1", RiskLevel.LOW),
        (8, "sone-2", RiskLevel.MODERATE),
        (15, "sone-2", RiskLevel.MODERATE),
        (16, "sone-3", RiskLevel.MODERATE),
        (19, "sone-3", RiskLevel.MODERATE),
        (20, "sone-4", RiskLevel.HIGH),
        (40, "sone-4", RiskLevel.HIGH),
    ],
)
def test_audit_zones(total: int, band: str, risk: RiskLevel) -> None:
    s = script("voksen-25")
    answers = {**codes_for_total(s, DUDIT, 0), **codes_for_total(s, AUDIT, total)}
    result = run_policy("voksen-25", 40, "male", answers)
    assert result.scores["audit"] == total
    assert (result.bands["audit"], result.risk) == (band, risk)
    assert ("hoy-risiko" in result.modules) == (risk is RiskLevel.HIGH)


def test_audit_items_9_and_10_score_0_2_4_and_never_drinking_scores_zero() -> None:
    s = script("voksen-25")
    assert [o.score for o in s.question("audit_09").options] == [0, 2, 4]
    answers = {
        **codes_for_total(s, DUDIT, 0),
        "audit_01": "aldri",
        "audit_09": "ja-siste-ar",
        "audit_10": "nei",
    }
    result = run_policy("voksen-25", 40, None, answers)
    assert result.scores["audit"] == 4 and result.bands["audit"] == "sone-1"
    assert not any(f"audit_0{i}" in result.answers for i in range(2, 9))


# -- CRAFFT-style (under 16 and 16–17): >= 2 risk; 1 is its own band; >= 4 high -----------


@pytest.mark.parametrize(("script_id", "age"), [("barn-under-16", 15), ("ungdom-16-17", 16)])
@pytest.mark.parametrize(
    ("yes", "band", "risk"),
    [
        (0, "ingen", RiskLevel.LOW),
        (1, "en-positiv", RiskLevel.LOW),
        (2, "risiko", RiskLevel.MODERATE),
        (3, "risiko", RiskLevel.MODERATE),
        (4, "risiko", RiskLevel.HIGH),
        (6, "risiko", RiskLevel.HIGH),
    ],
)
def test_crafft_bands_and_risk(
    script_id: str, age: int, yes: int, band: str, risk: RiskLevel
) -> None:
    prefix = "u16" if script_id == "barn-under-16" else "u17"
    answers: dict[str, object] = {q: i < yes for i, q in enumerate(CRAFFT)}
    answers[f"{prefix}_bekymring"] = False
    result = run_policy(script_id, age, None, answers)
    assert result.scores["crafft"] == yes
    assert (result.bands["crafft"], result.risk) == (band, risk)
    assert ("hoy-risiko" in result.modules) == (yes >= 4)


@pytest.mark.parametrize(
    ("script_id", "prefix"), [("barn-under-16", "u16"), ("ungdom-16-17", "u17")]
)
def test_child_welfare_concern_is_its_own_field_not_drug_risk(script_id: str,
                                                               prefix: str) -> None:
    answers: dict[str, object] = {q: False for q in CRAFFT}
    answers.update(sik_akutt=("ingen",), sik_barnevern="barnevern",
                   sik_barnevern_melding="barnevern")
    result = run_policy(script_id, 15 if prefix == "u16" else 17, None, answers)
    assert result.risk is RiskLevel.LOW and "hoy-risiko" not in result.modules
    assert result.concerns == ("barnevern",)
    assert result.notifications == ("barnevern",)
    assert all(r.code != "barnevern" for r in result.referrals)


def test_child_welfare_information_only_under_18() -> None:
    young = run_policy("ungdom-16-17", 17, None, {q: False for q in CRAFFT})
    adult = run_policy("ung-voksen-18-24", 18)
    assert "info_barnevern" in young.answers
    assert "info_barnevern" not in adult.answers


# -- Outcome module: referrals with consent, advice, follow-up needs ----------------------


def test_outcome_records_referrals_with_consent() -> None:
    answers = {
        "utfall_rad": ("kunnskap", "redusere"),
        "utfall_henvisninger": ("fastlege", "nav", "tsb"),
        "utfall_samtykke_fastlege": True,
        "utfall_samtykke_nav": False,
        "utfall_samtykke_tsb": True,
        "utfall_oppfolgingsbehov": ("bolig", "psykisk-helse"),
        "utfall_videre": "henvist",
    }
    result = run_policy("voksen-25", 30, "female", answers)
    assert result.referrals == (
        Referral("fastlege", True),
        Referral("tsb", True),
        Referral("nav", False),
    )
    assert result.advice_codes == ("kunnskap", "redusere")
    assert result.follow_up_needs == ("bolig", "psykisk-helse")
    assert result.outcome_codes == ("henvist",)


def test_score_of_unanswered_is_zero_and_sex_threshold_in_env() -> None:
    s = script("ung-voksen-18-24")
    env = ScriptEnv(s, MeetingContext(20, None))
    assert env.value("dudit") == 0
    assert env.score("dudit_01") == 0 and env.count("u24_stoffer") == 0
    assert env.rules() == (RiskLevel.LOW, ())
