"""Foundation benchmarks (not part of pytest): prints figures as ratios against
baselines measured in the same run.

    python benchmarks/bench_foundation.py [--rows 5000 100000] [--repeat 5]

1. ``rusenhet --help`` vs a bare Typer hello-world            (target ≤ 1.5×)
2. unlock + a read-only command on vaults with N case rows vs a process that only
   imports typer and runs the same Argon2id KDF                 (target ≤ 1.5× at 5,000;
                                                                 ≤ 3 s absolute at 100,000)
3. one small change saved (in-process, keys already unlocked)   (target ≤ 150 ms at 5,000)

Production KDF parameters are used throughout (64 MiB, t=3, p=4).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASS = "benk måler tiden nøye nok"

HELLO = "import typer\napp = typer.Typer()\n@app.command()\ndef hello() -> None:\n    print('hi')\napp()\n"
KDF_ONLY = """
import os, sys, typer
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
Argon2id(salt=os.urandom(16), length=32, iterations=3, lanes=4, memory_cost=65536).derive(b"x")
"""


def timed(cmd: list[str], env: dict[str, str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def make_vault(folder: Path, rows: int, env: dict[str, str]) -> Path:
    from rusenhet import users
    from rusenhet.vault import Vault

    path = folder / f"bench-{rows}.vault"
    os.environ.update(env)
    vault, _ = users.init_vault(path, "anne", PASS, unit_name="Benk", kommunenummer="0301",
                                lang="nb", demo=False)

    def seed(v: Vault) -> None:
        assert v.case_conn is not None
        v.case_conn.executemany(
            "INSERT INTO access_log (time, user, action, record_id, prev_hash, hash, signature)"
            " VALUES ('2026-01-01T00:00:00+00:00', 'anne', 'bench', ?, ?, ?, ?)",
            ((str(i), "0" * 64, f"{i:064x}", "s" * 88) for i in range(rows)))

    vault.transact(seed)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[5000, 100000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = dict(os.environ, RUSENHET_STATE_DIR=str(folder / "state"), NO_COLOR="1",
                   RUSENHET_PASSPHRASE=PASS, RUSENHET_USER="anne")
        env.pop("RUSENHET_DEMO_KDF", None)
        (folder / "hello.py").write_text(HELLO)
        (folder / "kdf.py").write_text(KDF_ONLY)
        py = sys.executable

        hello = timed([py, str(folder / "hello.py"), "--help"], env, args.repeat)
        helptime = timed([py, "-m", "rusenhet", "--help"], env, args.repeat)
        print(f"--help: {helptime * 1000:.0f} ms vs typer hello {hello * 1000:.0f} ms "
              f"= {helptime / hello:.2f}x (target <= 1.5x)")

        kdf = timed([py, str(folder / "kdf.py")], env, args.repeat)
        for rows in args.rows:
            path = make_vault(folder, rows, env)
            size = path.stat().st_size
            cmd = [py, "-m", "rusenhet", "--vault", str(path), "unit", "show"]
            read = timed(cmd, env, args.repeat)
            print(f"unlock + unit show, {rows} rows ({size / 1024:.0f} KiB): "
                  f"{read * 1000:.0f} ms vs typer+KDF {kdf * 1000:.0f} ms = {read / kdf:.2f}x")

            from rusenhet.vault import Vault

            vault = Vault.open(path, "anne", PASS)
            saves = []
            for i in range(args.repeat):
                start = time.perf_counter()
                vault.transact(lambda v, i=i: v.stats_conn.execute(
                    "INSERT OR REPLACE INTO settings VALUES ('unit-name', ?)", (f"Benk {i}",)))
                saves.append(time.perf_counter() - start)
            save = statistics.median(saves)
            print(f"one small change saved, {rows} rows: {save * 1000:.1f} ms "
                  f"= {save / kdf:.2f}x of one KDF process (target <= 150 ms at 5,000)")


if __name__ == "__main__":
    main()
