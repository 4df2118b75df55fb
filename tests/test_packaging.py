"""The bundled interview scripts are found after ``pip install .`` (inside the wheel) and
after ``pip install -e .`` (the checkout's top-level templates/), DESIGN §2b."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import Env

ROOT = Path(__file__).parent.parent


def test_templates_found_in_this_install() -> None:
    from rusenhet.interview.templates import bundled_scripts_dir

    folder = bundled_scripts_dir()
    assert len(list(folder.glob("*.toml"))) >= 4


def test_wheel_ships_templates_and_finds_them(env: Env) -> None:
    wheel_dir = env.root / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(wheel_dir), str(ROOT)], check=True,
                   capture_output=True, timeout=300)
    (wheel,) = wheel_dir.glob("rusenhet-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n for n in names if n.startswith("rusenhet/templates/"))
    expected = sorted(f"rusenhet/templates/{p.name}" for p in (ROOT / "templates").iterdir()
                      if p.is_file())
    assert shipped == expected and shipped
    assert any(n.startswith("rusenhet/locales/nb/") for n in names)
    target = env.root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    code = ("import rusenhet; from rusenhet.interview.templates import bundled_scripts_dir;"
            "print(rusenhet.__file__); print(bundled_scripts_dir())")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=env.root, env=dict(os.environ, PYTHONPATH=str(target)),
                         timeout=60).stdout.splitlines()
    assert out[0].startswith(str(target))
    assert out[1].startswith(str(target)) and out[1].endswith("templates")
