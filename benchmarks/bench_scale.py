"""Scale benchmarks on realistic vaults (not part of pytest): every figure is printed as a
ratio against a baseline measured in the same run, interleaved with it so that other
processes on the machine slow both alike.

    python benchmarks/bench_scale.py [--sizes 5000,100000] [--repeat 5]
                                     [--full-answers 20000] [--keep DIR]

For each size N a vault is built the way a unit fills it (see realistic_vault.py): a CSV
register imported with ``rusenhet referral import`` (timed, with its peak memory), then
a completed meeting with a full script's answers for every referral through the domain
API. Above ``--full-answers`` referrals, the oldest ones are imported as closed with a
meeting held before the switch (no answers): a vault of 100,000 referrals that all carry
full answers (~11 KiB each) would exceed the vault format's section limit of 256 MiB.

Measured, with production Argon2id (64 MiB, t=3, p=4) in every process:

1. ``rusenhet --help`` vs a bare Typer hello-world ``--help``       (≤ 1.5×)
2. unlock + ``referral list --json`` / ``agenda`` / ``meeting show`` / ``stats year``,
   each including its access-log save, vs a process that imports Typer and runs the same
   Argon2id                                               (≤ 1.5× at 5,000; ≤ 3 s at 100,000)
3. one change saved (``referrals.extend`` in-process, keys unlocked)  (≤ 150 ms at 5,000)
4. ``referral import`` of N rows                       (≤ 10 s at 5,000; ≤ 2 min at 100,000)
5. where a read that logs spends its time (cProfile of open + list + save, in-process)
6. growth of every figure from the smallest to the largest size
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import realistic_vault as rv

HELLO = ("import typer\napp = typer.Typer()\n@app.command()\ndef hello() -> None:\n"
         "    print('hi')\napp()\n")
KDF_ONLY = """
import os, typer
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
Argon2id(salt=os.urandom(16), length=32, iterations=3, lanes=4, memory_cost=65536).derive(b"x")
"""


def run_once(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and peak resident memory (KiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return elapsed, usage.ru_maxrss


def paired(cmd: Sequence[str], base: Sequence[str], env: dict[str, str],
           repeat: int) -> tuple[float, float]:
    """Medians of ``cmd`` and ``base``, run alternately."""
    a, b = [], []
    for _ in range(repeat):
        b.append(run_once(base, env)[0])
        a.append(run_once(cmd, env)[0])
    return statistics.median(a), statistics.median(b)


def breakdown(path: Path) -> dict[str, float]:
    """Seconds per step of open + a read that logs (``referral list``) + its save."""
    from rusenhet import referrals
    from rusenhet.vault import Vault

    profile = cProfile.Profile()
    profile.enable()
    vault = Vault.open(path, "anne", rv.PASS)
    referrals.list_referrals(vault, referrals.ListFilter())
    profile.disable()
    stats = pstats.Stats(profile)
    # (a fragment of the file's path, the function): rusenhet/vault matches both the
    # single module vault.py and the package rusenhet/vault/ that replaces it.
    wanted = {
        "read + parse + sha256 of the file": ("rusenhet/vault", "read_file"),
        "Argon2id": ("rusenhet/crypto.py", "derive_passphrase_key"),
        "decrypt sections (AES-GCM)": ("rusenhet/crypto.py", "unseal"),
        "deserialize + quick_check + migrate": ("rusenhet/store.py", "open_image"),
        "query + rows to objects": ("rusenhet/referral_records.py", "find"),
        "serialize (image)": ("rusenhet/store.py", "image"),
        "encrypt sections (AES-GCM)": ("rusenhet/crypto.py", "seal"),
        "sha256 (all calls)": ("rusenhet/crypto.py", "sha256"),
        "write + fsync + replace": ("rusenhet/vault", "write_atomically"),
        "  of which fsync": ("~", "<built-in method posix.fsync>"),
        "rollback memory (state file)": ("rusenhet/", "check_and_remember"),
        "whole open + read + save": ("rusenhet/referral_records.py", "list_referrals"),
        "  of which the save": ("rusenhet/vault", "_save"),
        "whole open": ("rusenhet/vault", "open"),
    }
    out: dict[str, float] = {}
    raw = stats.stats  # type: ignore[attr-defined]
    for label, (fragment, func) in wanted.items():
        out[label] = sum(v[3] for (f, _, fn), v in raw.items() if fn == func and fragment in f)
    vault.close()
    return out


def measure(size: int, folder: Path, env: dict[str, str], args: argparse.Namespace,
            kdf_cmd: list[str]) -> dict[str, float]:
    py = sys.executable
    vault = folder / f"bench-{size}.vault"
    csv = folder / f"register-{size}.csv"
    env = dict(env, RUSENHET_VAULT=str(vault))
    os.environ.update(env)
    today = date.today()
    fig: dict[str, float] = {}
    if args.reuse and vault.exists():
        print(f"\n== {size:,} referrals (vault built earlier, import not timed)")
    else:
        folder.mkdir(parents=True, exist_ok=True)
        rv.production_cost_demo_vault(vault)
        rv.make_register(csv, size, today, historical=max(0, size - args.full_answers))
        print(f"\n== {size:,} referrals (register {csv.stat().st_size / 2**20:.1f} MiB)")
        seconds, peak = run_once([py, "-m", "rusenhet", "referral", "import", str(csv)], env)
        print(f"import of {size:,} rows: {seconds:.1f} s, peak memory {peak / 1024:.0f} MiB")
        fig = {"import_s": seconds, "import_peak_mib": peak / 1024}
        rv.hold_meetings(vault)
    size_mib = vault.stat().st_size / 2**20
    fig["vault_mib"] = size_mib
    print(f"vault: {size_mib:.1f} MiB ({size_mib * 1024 / size:.1f} KiB per referral)")

    base = [py, "-m", "rusenhet"]
    year = str(today.year - 1)
    commands = {"referral list --json": ["referral", "list", "--json"],
                "agenda": ["agenda"], "meeting show": ["meeting", "show", str(size // 2)],
                f"stats year {year}": ["stats", "year", year]}
    for label, cmd in commands.items():
        t, kdf = paired(base + cmd, kdf_cmd, env, args.repeat)
        fig[label] = t
        fig[label + " ratio"] = t / kdf
        print(f"unlock + {label}: {t * 1000:.0f} ms vs typer+KDF {kdf * 1000:.0f} ms "
              f"= {t / kdf:.2f}x")

    from rusenhet import referrals
    from rusenhet.vault import Vault

    opened = Vault.open(vault, "anne", rv.PASS)
    last = referrals.find(opened, referrals.ListFilter())[-1]
    number, deadline = last.number, max(last.deadline, today) + timedelta(days=1)
    saves = []
    for i in range(args.repeat * 2):
        start = time.perf_counter()
        referrals.extend(opened, number, (deadline + timedelta(days=i)).isoformat(), "Benk")
        saves.append(time.perf_counter() - start)
    opened.close()
    fig["change_ms"] = statistics.median(saves) * 1000
    print(f"one change saved (referral extend, in-process): {fig['change_ms']:.0f} ms")

    parts = breakdown(vault)
    print("where a read that logs spends its time (cProfile, in-process):")
    for label, value in parts.items():
        print(f"  {label:<38} {value * 1000:8.1f} ms")
        fig["part " + label] = value * 1000
    return fig


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000", help="comma-separated, e.g. 5000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--full-answers", type=int, default=20000)
    parser.add_argument("--keep", type=Path, help="build the vaults here and keep them")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: measure vaults built by an earlier run")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    # Byte-compile the package as pip install does: with PYTHONDONTWRITEBYTECODE set (as
    # on the development machines) every process would otherwise compile it from source
    # while the Typer baseline loads its installed .pyc files.
    import rusenhet

    compileall.compile_dir(Path(rusenhet.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, RUSENHET_STATE_DIR=str(folder / "state"), NO_COLOR="1",
                   COLUMNS="100", RUSENHET_PASSPHRASE=rv.PASS, RUSENHET_USER="anne")
        env.pop("RUSENHET_DEMO_KDF", None)
        env.pop("RUSENHET_TODAY", None)
        (folder / "hello.py").write_text(HELLO)
        (folder / "kdf.py").write_text(KDF_ONLY)
        py = sys.executable
        kdf_cmd = [py, str(folder / "kdf.py")]
        helptime, hello = paired([py, "-m", "rusenhet", "--help"],
                                 [py, str(folder / "hello.py"), "--help"], env, args.repeat)
        print(f"rusenhet --help: {helptime * 1000:.0f} ms vs typer hello {hello * 1000:.0f} ms "
              f"= {helptime / hello:.2f}x (target <= 1.5x)")
        figures = {size: measure(size, folder / str(size), env, args, kdf_cmd)
                   for size in sizes}
    if len(sizes) > 1:
        small, large = figures[sizes[0]], figures[sizes[-1]]
        print(f"\n== growth {sizes[0]:,} -> {sizes[-1]:,} referrals "
              f"({sizes[-1] / sizes[0]:.0f}x the referrals)")
        for key, value in small.items():
            if not key.endswith("ratio") and value and key in large:
                print(f"  {key:<44} {value:10.1f} -> {large[key]:10.1f}  "
                      f"({large[key] / value:.1f}x)")


if __name__ == "__main__":
    main()
