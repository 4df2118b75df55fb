"""Meetings through the real vault and CLI: booking, agenda, running a script from an
answers file, amendments, no-shows, crash and resume, stored template versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ADMIN_PASS, COUNSELLOR_PASS, SUPERVISOR_PASS, Env, Result
from test_interview_support import PolicyAsker
from test_referral_kit import TODAY, Register

from rusenhet import meetings
from rusenhet.errors import ExitCode
from rusenhet.interview import Interview, MeetingContext
from rusenhet.interview.engine import Pause
from rusenhet.vault import Vault

LOW_RISK = {
    "info_formal": True, "info_taushetsplikt": True, "info_oppmote": True,
    "info_rettigheter": True, "info_sporsmal": False,
    "u24_hverdag": "Studerer og jobber litt", "u24_aktivitet": "utdanning", "u24_trives": True,
    "u24_stoffer": ["cannabis"], "dudit_01": "aldri", "dudit_02": "aldri",
    "dudit_03": "0", "dudit_04": "aldri", "dudit_05": "aldri", "dudit_06": "aldri",
    "dudit_07": "aldri", "dudit_08": "aldri", "dudit_09": "aldri", "dudit_10": "nei",
    "dudit_11": "nei", "auditc_1": "manedlig-eller-sjeldnere", "auditc_2": "1-2",
    "auditc_3": "aldri", "u24_viktighet": 6, "u24_tro": 7, "u24_grunner": "Studiene",
    "u24_mal": "Slutte helt", "utfall_rad": ["kunnskap"], "utfall_henvisninger": ["fastlege"],
    "utfall_samtykke_fastlege": True, "utfall_oppfolgingsbehov": [],
    "utfall_videre": "avsluttet", "utfall_oppsummering": "Et godt møte",
    "u24_bolig": "egen", "sik_akutt": ["ingen"], "vh_barn": False,
}
@pytest.fixture
def reg(unit: Env) -> Register:
    r = Register(unit)
    r.add()  # referral 1: adult born 2000-05-17 (24 on TODAY), deadline 2024-07-01
    return r


def meeting(reg: Register, *args: str, user: str = "ola", lang: str | None = None) -> Result:
    pre = ["--lang", lang] if lang else []
    return reg.env.run([*pre, *args], passphrase={"ola": COUNSELLOR_PASS, "anne": ADMIN_PASS,
                                                  "siv": SUPERVISOR_PASS}[user], user=user,
                       env={"RUSENHET_TODAY": TODAY})


def answers_file(env: Env, answers: dict[str, object], name: str = "answers.json") -> Path:
    path = env.root / name
    path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return path


def _high_answers(reg: Register) -> dict[str, object]:
    top = {}
    from test_interview_support import script

    s = script("ung-voksen-18-24")
    for qid in [f"dudit_{i:02d}" for i in range(1, 12)]:
        q = s.question(qid)
        top[qid] = max(q.options, key=lambda o: o.score or 0).code
    high = {**LOW_RISK, **top, "hr_tilbakemelding": True,
            "hr_har_fastlege": True, "hr_onsker_henvisning": "ja", "hr_kontakt_fastlege": True}
    return high


def test_book_agenda_start_show(reg: Register) -> None:
    booked = meeting(reg, "--lang", "en", "meeting", "book", "1", "--at", "2024-06-20 10:00",
                     "--place", "Kontoret")
    assert booked.exit_code == 0, booked.output
    agenda = meeting(reg, "agenda", "--days", "10", "--json")
    sections = json.loads(agenda.stdout)["sections"]
    rows = next(s["items"] for s in sections if s["section"] == "upcoming")
    assert rows[0]["meeting"] == 1 and rows[0]["script"] == "ung-voksen-18-24"
    assert rows[0]["days_left"] == 17 and rows[0]["age_band"] == "18-24"
    assert rows[0]["at"] == "2024-06-20T10:00:00"
    started = meeting(reg, "meeting", "start", "1", "--answers",
                      str(answers_file(reg.env, LOW_RISK)), "--interpreter", "arabisk")
    assert started.exit_code == 0, started.output
    assert "ung-voksen-18-24" in started.stderr
    shown = meeting(reg, "meeting", "show", "1", "--json")
    data = json.loads(shown.stdout)
    assert data["state"] == "completed" and data["result"]["risk"] == "low"
    assert data["result"]["scores"]["dudit"] == 0
    assert data["participants"]["interpreter_language"] == "arabisk"
    assert data["result"]["referrals"] == [{"code": "fastlege", "consent": True}]
    # The referral is marked as attended, but stays open for the counsellor to close.
    ref = reg.run("show", "1", "--json")
    assert '"attended"' in ref.stdout
    # The pick-up: start used the booked meeting 1, not a new one.
    v = reg.open()
    assert [m.id for m in meetings.all_meetings(v)] == [1]


def test_meeting_fact_row_has_exactly_the_allowed_columns(reg: Register) -> None:
    assert meeting(reg, "meeting", "start", "1", "--answers",
                   str(answers_file(reg.env, LOW_RISK))).exit_code == 0
    v = reg.open("siv")  # the supervisor's stats section is enough
    cols = [r[1] for r in v.stats_conn.execute("PRAGMA table_info(meeting_fact)")]
    assert tuple(cols) == meetings.MEETING_FACT_COLUMNS
    row = dict(v.stats_conn.execute("SELECT * FROM meeting_fact").fetchone())
    assert row["kind"] == "held" and row["month"] == "2024-06" and row["age_band"] == "18-24"
    assert row["risk_level"] == "low" and row["within_deadline"] == 1
    assert row["days_to_meeting"] == (  # 2024-03-01 → 2024-06-14
        105)
    assert json.loads(row["referral_codes"]) == ["fastlege"]
    assert json.loads(row["score_bands"]) == {"auditc": "negativ", "dudit": "under-terskel"}
    # No free text from the meeting anywhere in the stats section.
    dump = "\n".join(v.stats_conn.iterdump())
    assert "Et godt møte" not in dump and "Studiene" not in dump


@pytest.mark.parametrize(("change", "word"), [
    ({"no_such_question": 1}, "no_such_question"),
    ({"u24_viktighet": 99}, "u24_viktighet"),
    ({"hr_akutt": True}, "hr_akutt"),  # the high-risk module is not pulled in at low risk
])
def test_bad_answers_file_exit_1_nothing_saved(reg: Register, change: dict[str, object],
                                                word: str) -> None:
    before = reg.vault_bytes()
    bad = meeting(reg, "meeting", "start", "1", "--answers",
                  str(answers_file(reg.env, {**LOW_RISK, **change})))
    assert bad.exit_code == ExitCode.INPUT, bad.output
    assert word in bad.stderr and "Traceback" not in bad.output
    assert reg.vault_bytes() == before


def test_missing_required_answer(reg: Register) -> None:
    answers = dict(LOW_RISK)
    del answers["u24_aktivitet"]
    bad = meeting(reg, "meeting", "start", "1", "--answers", str(answers_file(reg.env, answers)))
    assert bad.exit_code == ExitCode.INPUT and "u24_aktivitet" in bad.stderr


def test_meeting_for_closed_or_unknown_referral(reg: Register) -> None:
    file = str(answers_file(reg.env, LOW_RISK))
    assert meeting(reg, "meeting", "start", "99", "--answers", file).exit_code == 1
    reg.ok("close", "1", "--reason", "withdrawn")
    closed = meeting(reg, "meeting", "start", "1", "--answers", file)
    assert closed.exit_code == ExitCode.INPUT


def test_booking_rules(reg: Register) -> None:
    past = meeting(reg, "meeting", "book", "1", "--at", "2024-06-01 10:00")
    assert past.exit_code == ExitCode.INPUT
    late = meeting(reg, "--lang", "en", "meeting", "book", "1", "--at", "2024-07-10 10:00")
    assert late.exit_code == ExitCode.INPUT and "deadline" in late.stderr
    assert meeting(reg, "meeting", "book", "1", "--at", "2024-07-10 10:00", "--yes").exit_code == 0
    reg.add(name="Per Olsen", extra=("--yes",))
    clash = meeting(reg, "--lang", "en", "meeting", "book", "2", "--at", "2024-07-10 10:30")
    assert clash.exit_code == ExitCode.INPUT and "already has an appointment for referral" in clash.stderr
    bad_time = meeting(reg, "meeting", "book", "1", "--at", "tomorrow")
    assert bad_time.exit_code == ExitCode.INPUT
    moved = meeting(reg, "meeting", "reschedule", "1", "--at", "2024-06-28 09:00")
    assert moved.exit_code == 0, moved.output
    assert meeting(reg, "meeting", "cancel", "1", "--reason", "Syk").exit_code == 0
    assert meeting(reg, "meeting", "cancel", "1", "--reason", "Igjen").exit_code == 1


def test_no_show_rules(reg: Register) -> None:
    assert meeting(reg, "meeting", "book", "1", "--at", "2024-06-14 23:59").exit_code == 0
    assert meeting(reg, "meeting", "no-show", "1").exit_code == 0
    v = reg.open("siv")
    kinds = [r[0] for r in v.stats_conn.execute("SELECT kind FROM meeting_fact")]
    assert kinds == ["no-show"]
    # The referral stays open; a held meeting cannot become a no-show.
    assert meeting(reg, "meeting", "start", "1", "--answers",
                   str(answers_file(reg.env, LOW_RISK))).exit_code == 0
    assert meeting(reg, "meeting", "no-show", "2").exit_code == ExitCode.INPUT


def test_amend_keeps_the_original(reg: Register) -> None:
    assert meeting(reg, "meeting", "start", "1", "--answers",
                   str(answers_file(reg.env, LOW_RISK))).exit_code == 0
    high = answers_file(reg.env, _high_answers(reg), "high.json")
    no_reason = reg.env.run(["meeting", "amend", "1", "--answers", str(high)],
                            passphrase=COUNSELLOR_PASS, user="ola")
    assert no_reason.exit_code == ExitCode.USAGE
    amended = meeting(reg, "meeting", "amend", "1", "--reason", "Feil i DUDIT", "--answers",
                      str(high))
    assert amended.exit_code == 0, amended.output
    data = json.loads(meeting(reg, "meeting", "show", "1", "--json").stdout)
    assert data["state"] == "amended" and data["result"]["risk"] == "high"
    assert "hoy-risiko" in data["result"]["modules"]
    original = next(h for h in data["history"] if h["action"] == "amend")
    assert original["reason"] == "Feil i DUDIT"
    assert original["data"]["original_result"]["risk"] == "low"
    v = reg.open("siv")
    assert v.stats_conn.execute("SELECT risk_level FROM meeting_fact").fetchone()[0] == "high"


def test_supervisor_cannot_reach_meetings(reg: Register) -> None:
    for args in (["meeting", "show", "1"], ["agenda"], ["meeting", "book", "1", "--at",
                                                        "2024-06-20 10:00"]):
        result = meeting(reg, *args, user="siv")
        assert result.exit_code == ExitCode.ACCESS, args


def test_interactive_start_needs_a_terminal(reg: Register) -> None:
    before = reg.vault_bytes()
    result = meeting(reg, "meeting", "start", "1")
    assert result.exit_code == ExitCode.INPUT and "--answers" in result.stderr
    # Checked before the participants are asked, so nothing is started or saved.
    assert reg.vault_bytes() == before


def _crash_then_resume(reg: Register, crash_after: int) -> dict[str, object]:
    """Answer ``crash_after`` questions through the real vault, crash, resume, finish."""
    v = Vault.open(reg.env.vault, "ola", COUNSELLOR_PASS)
    from test_interview_support import script

    s = script("ung-voksen-18-24")
    started = meetings.start(v, 1, s, meetings.Participants())
    asked = {"n": 0}

    class Crashing(PolicyAsker):
        def ask(self, prompt):  # type: ignore[no-untyped-def]
            asked["n"] += 1
            if asked["n"] > crash_after:
                raise KeyboardInterrupt
            return super().ask(prompt)

    interview = Interview(s, MeetingContext(started.age),
                          meetings.event_saver(v, started.meeting_id))
    with pytest.raises(KeyboardInterrupt):
        interview.run(Crashing(LOW_RISK))
    # A new process: open the vault again and resume from the stored events.
    v2 = Vault.open(reg.env.vault, "ola", COUNSELLOR_PASS)
    m, _referral, s2, events = meetings.resume_target(v2, started.meeting_id)
    assert len(events) == crash_after + 1  # Started + one event per answered question
    resumed = Interview(s2, MeetingContext(started.age), meetings.event_saver(v2, m.id))
    resumed.resume(events)
    outcome = resumed.run(PolicyAsker(LOW_RISK))
    assert outcome.completed and outcome.result is not None
    meetings.complete(v2, m.id, outcome.result)
    return dict(outcome.result.answers)


@pytest.mark.parametrize("crash_after", [0, 1, 9, 23, 30])
def test_crash_at_a_question_then_resume_gives_the_same_answers(reg: Register,
                                                                crash_after: int) -> None:
    answers = _crash_then_resume(reg, crash_after)
    assert answers["dudit_01"] == LOW_RISK["dudit_01"]
    assert answers["u24_mal"] == LOW_RISK["u24_mal"]
    data = json.loads(meeting(reg, "meeting", "show", "1", "--json").stdout)
    assert data["state"] == "completed"


def test_pause_and_resume_state(reg: Register) -> None:
    v = Vault.open(reg.env.vault, "ola", COUNSELLOR_PASS)
    from test_interview_support import script

    s = script("ung-voksen-18-24")
    started = meetings.start(v, 1, s, meetings.Participants())
    interview = Interview(s, MeetingContext(started.age),
                          meetings.event_saver(v, started.meeting_id))
    outcome = interview.run(PolicyAsker({**LOW_RISK, "u24_hverdag": Pause()}))
    assert not outcome.completed
    assert meetings.fetch(v, started.meeting_id).state is meetings.MeetingState.PAUSED
    # A second start for the same referral points to resume instead.
    again = meeting(reg, "--lang", "en", "meeting", "start", "1", "--answers",
                    str(answers_file(reg.env, LOW_RISK)))
    assert again.exit_code == ExitCode.INPUT and "resume" in again.stderr


def test_stored_template_keeps_old_meetings_readable(reg: Register) -> None:
    """A unit's own script is used, then its folder disappears: the meeting still shows
    and can be amended from the template bytes stored in the vault."""
    from rusenhet.interview.templates import bundled_scripts_dir

    own = reg.env.root / "own"
    own.mkdir()
    text = (bundled_scripts_dir() / "ung-voksen-18-24.toml").read_text(encoding="utf-8")
    text = text.replace('id = "ung-voksen-18-24"', 'id = "egen-18-24"', 1)
    (own / "egen.toml").write_text(text, encoding="utf-8")
    started = meeting(reg, "meeting", "start", "1", "--script", "egen-18-24", "--scripts",
                      str(own), "--answers", str(answers_file(reg.env, LOW_RISK)))
    assert started.exit_code == 0, started.output
    shutil.rmtree(own)
    shown = json.loads(meeting(reg, "meeting", "show", "1", "--json").stdout)
    assert shown["result"]["script"]["id"] == "egen-18-24"
    high = answers_file(reg.env, _high_answers(reg), "high.json")
    amended = meeting(reg, "meeting", "amend", "1", "--reason", "Retting", "--answers", str(high))
    assert amended.exit_code == 0, amended.output
    v = reg.open()
    assert v.case_conn is not None
    stored = v.case_conn.execute("SELECT kind, template_id FROM template_version").fetchall()
    assert ("script", "egen-18-24") in [tuple(r) for r in stored]


def test_meeting_registered_afterwards(reg: Register) -> None:
    file = str(answers_file(reg.env, LOW_RISK))
    future = meeting(reg, "meeting", "start", "1", "--held-on", "2024-06-20", "--answers", file)
    assert future.exit_code == ExitCode.INPUT
    before_received = meeting(reg, "meeting", "start", "1", "--held-on", "2024-02-01",
                              "--answers", file)
    assert before_received.exit_code == ExitCode.INPUT
    ok = meeting(reg, "meeting", "start", "1", "--held-on", "10.05.2024", "--answers", file)
    assert ok.exit_code == 0, ok.output
    data = json.loads(meeting(reg, "meeting", "show", "1", "--json").stdout)
    assert data["held_on"] == "2024-05-10"
    v = reg.open("siv")
    assert v.stats_conn.execute("SELECT month FROM meeting_fact").fetchone()[0] == "2024-05"


def test_facts_follow_corrections_and_new_age_bands(reg: Register) -> None:
    assert meeting(reg, "meeting", "start", "1", "--answers",
                   str(answers_file(reg.env, LOW_RISK))).exit_code == 0
    v = reg.open("siv")
    assert v.stats_conn.execute("SELECT sex FROM meeting_fact").fetchone()[0] is None
    # A correction of the person's sex reaches the meeting's fact row too.
    reg.ok("edit", "1", "--sex", "female", "--reason", "Feil registrert")
    v = reg.open("siv")
    assert v.stats_conn.execute("SELECT sex FROM meeting_fact").fetchone()[0] == "female"
    # New age bands: every fact row is re-banded (24 years old: 18-24 → 18-29).
    changed = reg.env.run(["unit", "set", "age-bands", "16,18,30"], passphrase=ADMIN_PASS,
                          user="anne", env={"RUSENHET_TODAY": TODAY})
    assert changed.exit_code == 0, changed.output
    v = reg.open("siv")
    assert v.stats_conn.execute("SELECT age_band FROM meeting_fact").fetchone()[0] == "18-29"
    assert v.stats_conn.execute("SELECT age_band FROM referral_fact").fetchone()[0] == "18-29"


def test_only_bundled_and_configured_scripts_are_offered(reg: Register, tmp_path: Path) -> None:
    bundled = json.loads(meeting(reg, "script", "list", "--json").stdout)["rows"]
    assert {r["id"] for r in bundled} == {"barn-under-16", "ungdom-16-17", "ung-voksen-18-24",
                                          "voksen-25"}
    assert {r["source"] for r in bundled} == {"innebygd"}
    own = tmp_path / "own"
    own.mkdir()
    from rusenhet.interview.templates import bundled_scripts_dir

    text = (bundled_scripts_dir() / "voksen-25.toml").read_text(encoding="utf-8")
    (own / "egen.toml").write_text(text.replace('id = "voksen-25"', 'id = "egen-25"', 1),
                                   encoding="utf-8")
    with_own = reg.env.run(["script", "list", "--json"], passphrase=COUNSELLOR_PASS, user="ola",
                           env={"RUSENHET_SCRIPTS": str(own)})
    ids = {r["id"]: r["source"] for r in json.loads(with_own.stdout)["rows"]}
    assert ids["egen-25"] == "enhetens eget" and len(ids) == 5
    # A unit's own script is never picked automatically, only by --script.
    started = reg.env.run(["meeting", "start", "1", "--answers",
                           str(answers_file(reg.env, LOW_RISK))], passphrase=COUNSELLOR_PASS,
                          user="ola", env={"RUSENHET_SCRIPTS": str(own),
                                           "RUSENHET_TODAY": TODAY})
    assert started.exit_code == 0 and "ung-voksen-18-24" in started.stderr
