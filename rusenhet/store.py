"""The two SQLite databases inside the vault and their numbered migrations.

Each section is an SQLite database image (``serialize``/``deserialize``) that only
ever exists decrypted in memory. Migrations are numbered and append-only: never edit
one that has shipped; add a new one. A vault whose sections carry migrations newer
than this program knows is refused rather than misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from rusenhet.errors import VaultError

Migration = tuple[str, Callable[[sqlite3.Connection], None]]


def _sql(script: str) -> Callable[[sqlite3.Connection], None]:
    def run(conn: sqlite3.Connection) -> None:
        conn.executescript(script)

    return run


_LOG_TABLE = """
CREATE TABLE {name} (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    record_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""

# Referral register (case section). The ID number in clear exists only in person.id_number,
# which has no index; repeat referrals are found through id_pseudonym, a keyed HMAC of the
# number. person.token is the random 128-bit token that alone stands for the person in
# the stats section (DESIGN §5: random, so it cannot be brute-forced from ID numbers).
# referral.fact_id maps a referral to its de-identified row in the stats section.
_PEOPLE_AND_REFERRALS = """
CREATE TABLE person (
    id INTEGER PRIMARY KEY,
    id_number TEXT,
    id_pseudonym TEXT UNIQUE,
    name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT CHECK (sex IN ('female', 'male')),
    token TEXT NOT NULL UNIQUE
);
CREATE TABLE referral (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES person(id),
    received TEXT NOT NULL,
    legal_basis TEXT NOT NULL CHECK (legal_basis IN ('paatale', 'betinget-dom')),
    authority TEXT NOT NULL,
    police_reference TEXT,
    deadline TEXT NOT NULL,
    phone TEXT,
    counsellor TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    close_reason TEXT CHECK (close_reason IN
        ('attended', 'not-attended', 'withdrawn', 'transferred')),
    closed_on TEXT,
    attendance TEXT CHECK (attendance IN ('attended', 'not-attended')),
    attendance_date TEXT,
    repeat_referral INTEGER NOT NULL CHECK (repeat_referral IN (0, 1)),
    fact_id TEXT NOT NULL UNIQUE
);
CREATE INDEX referral_person ON referral(person_id);
CREATE TABLE guardian (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referral(id),
    name TEXT NOT NULL,
    contact TEXT NOT NULL
);
CREATE INDEX guardian_referral ON guardian(referral_id);
CREATE TABLE referral_history (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referral(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    time TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    reason TEXT
);
CREATE INDEX referral_history_referral ON referral_history(referral_id);
"""

# De-identified referral facts (stats section): exactly these columns, nothing more (no
# referral number, no date finer than a month, no name, no free text, no police district).
# WITHOUT ROWID stores rows in the order of their random fact_id, so not even the order of
# insertion links a fact row to a referral number.
_REFERRAL_FACTS = """
CREATE TABLE referral_fact (
    fact_id TEXT PRIMARY KEY,
    person_token TEXT NOT NULL,
    month_received TEXT NOT NULL,
    age_band TEXT NOT NULL,
    sex TEXT,
    legal_basis TEXT NOT NULL,
    repeat_referral INTEGER NOT NULL,
    status TEXT NOT NULL,
    month_closed TEXT,
    close_reason TEXT
) WITHOUT ROWID;
"""

# Meetings (case section): the lifecycle row, the append-only interview events, the
# history of changes (amendments keep the original answers), and every template version
# a meeting used, byte for byte, so old meetings stay readable after scripts change.
_MEETINGS = """
CREATE TABLE meeting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id INTEGER NOT NULL REFERENCES referral(id),
    state TEXT NOT NULL CHECK (state IN ('booked', 'in_progress', 'paused', 'completed',
                                         'cancelled', 'no_show', 'amended')),
    at TEXT,
    place TEXT,
    counsellor TEXT NOT NULL,
    held_on TEXT,
    script_id TEXT,
    script_version TEXT,
    script_sha256 TEXT,
    participants TEXT NOT NULL DEFAULT '{}',
    result TEXT,
    reason TEXT,
    fact_id TEXT UNIQUE
);
CREATE INDEX meeting_referral ON meeting(referral_id);
CREATE TABLE meeting_event (
    meeting_id INTEGER NOT NULL REFERENCES meeting(id),
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (meeting_id, seq)
);
CREATE TABLE meeting_history (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meeting(id),
    time TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    data TEXT
);
CREATE TABLE template_version (
    sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('script', 'module')),
    template_id TEXT NOT NULL,
    version TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    first_used TEXT NOT NULL
);
"""

# De-identified meeting facts (stats section): codes, bands, months and whole days only;
# kind is 'held' or 'no-show'. Lists of codes are JSON arrays of script-defined codes.
_MEETING_FACTS = """
CREATE TABLE meeting_fact (
    fact_id TEXT PRIMARY KEY,
    person_token TEXT NOT NULL,
    referral_fact_id TEXT NOT NULL,
    month TEXT NOT NULL,
    age_band TEXT NOT NULL,
    sex TEXT,
    legal_basis TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('held', 'no-show')),
    script_id TEXT,
    script_version TEXT,
    risk_level TEXT,
    score_bands TEXT,
    outcome_codes TEXT,
    advice_codes TEXT,
    referral_codes TEXT,
    days_to_meeting INTEGER NOT NULL,
    within_deadline INTEGER NOT NULL,
    repeat_referral INTEGER NOT NULL
) WITHOUT ROWID;
"""

# The release ledger (stats section): append-only, hash-chained, signed; every published
# value with its cell definition (as PriorRelease patterns per catalogue component).
_RELEASE_LEDGER = """
CREATE TABLE release_ledger (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    user TEXT NOT NULL,
    release_id TEXT NOT NULL UNIQUE,
    period TEXT NOT NULL,
    revision_of TEXT,
    t INTEGER NOT NULL,
    p INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    figures TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER release_ledger_no_update BEFORE UPDATE ON release_ledger
BEGIN SELECT RAISE(ABORT, 'the release ledger is append-only'); END;
CREATE TRIGGER release_ledger_no_delete BEFORE DELETE ON release_ledger
BEGIN SELECT RAISE(ABORT, 'the release ledger is append-only'); END;
"""

# Append new migrations at the end of these lists, in this file only: a fixed order
# here is what makes the numbering the same in every process and on every laptop.
CASE_MIGRATIONS: list[Migration] = [
    ("0001_meta_and_access_log", _sql(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        + _LOG_TABLE.format(name="access_log"))),
    ("0002_people_and_referrals", _sql(_PEOPLE_AND_REFERRALS)),
    ("0003_meetings", _sql(_MEETINGS)),
    # A person without an ID number is found again by birth date and name: without this
    # index every such referral (and every such row of an import) scanned all people.
    ("0004_person_without_id_by_birth_date", _sql(
        "CREATE INDEX person_without_id ON person(birth_date) WHERE id_number IS NULL;")),
    # One follow-up per referral made in a meeting: due date and what happened.
    ("0005_referral_followups", _sql("""
CREATE TABLE referral_followup (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting(id),
    code TEXT NOT NULL,
    made_on TEXT NOT NULL,
    due TEXT NOT NULL,
    result TEXT CHECK (result IN ('contact', 'not-yet', 'declined', 'unknown')),
    result_on TEXT,
    recorded_by TEXT,
    UNIQUE (meeting_id, code)
);""")),
    # Letters go by post: the person's postal address (issue 12), optional.
    ("0006_person_address", _sql("ALTER TABLE person ADD COLUMN address_line TEXT;"
                                 "ALTER TABLE person ADD COLUMN postnummer TEXT;"
                                 "ALTER TABLE person ADD COLUMN poststed TEXT;")),
]

STATS_MIGRATIONS: list[Migration] = [
    ("0001_settings_and_stats_log", _sql(
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        + _LOG_TABLE.format(name="stats_log"))),
    ("0002_referral_facts", _sql(_REFERRAL_FACTS)),
    ("0003_meeting_facts", _sql(_MEETING_FACTS)),
    ("0004_release_ledger", _sql(_RELEASE_LEDGER)),
    # Coded substances the person reported, and the codes of concerns, duty-based
    # notifications and immediate actions (JSON arrays of script codes; never free text).
    ("0005_meeting_fact_substances_and_safety", _sql(
        "ALTER TABLE meeting_fact ADD COLUMN substance_codes TEXT;"
        "ALTER TABLE meeting_fact ADD COLUMN concern_codes TEXT;"
        "ALTER TABLE meeting_fact ADD COLUMN notification_codes TEXT;"
        "ALTER TABLE meeting_fact ADD COLUMN action_codes TEXT;")),
    # Referral code → follow-up status code (pending, contact-4w, contact-12w, …).
    ("0006_meeting_fact_followups", _sql(
        "ALTER TABLE meeting_fact ADD COLUMN followup_codes TEXT;")),
]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, "
                 "name TEXT NOT NULL)")
    applied = [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY id")]
    known = [name for name, _ in migrations]
    if applied != known[:len(applied)]:
        raise VaultError("vault.newer_schema")
    for index, (name, run) in enumerate(migrations):
        if index < len(applied):
            continue
        run(conn)
        conn.execute("INSERT INTO _migrations (id, name) VALUES (?, ?)", (index + 1, name))
    conn.commit()


def open_image(image: bytes | None, migrations: Sequence[Migration]) -> sqlite3.Connection:
    """A fresh in-memory database, loaded from ``image`` if given, migrated."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    # secure_delete: deleted rows are overwritten, so purged personal data does not
    # survive in free pages of the image we encrypt and save (DESIGN §2).
    if image is not None:
        try:
            conn.deserialize(image)
            conn.execute("PRAGMA schema_version").fetchone()
            ok = conn.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise VaultError("vault.damaged") from exc
        if ok is None or ok[0] != "ok":
            raise VaultError("vault.damaged")
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.row_factory = sqlite3.Row
    migrate(conn, migrations)
    return conn


def image(conn: sqlite3.Connection) -> bytes:
    return conn.serialize()
