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

# Append new migrations at the end of these lists, in this file only: a fixed order
# here is what makes the numbering the same in every process and on every laptop.
CASE_MIGRATIONS: list[Migration] = [
    ("0001_meta_and_access_log", _sql(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        + _LOG_TABLE.format(name="access_log"))),
]

STATS_MIGRATIONS: list[Migration] = [
    ("0001_settings_and_stats_log", _sql(
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        + _LOG_TABLE.format(name="stats_log"))),
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
