"""Shell completion for the values a counsellor types: referral numbers, user names and
script ids (``rusenhet --install-completion`` installs it).

Completing referral numbers or user names needs the vault open, so it works only when
the passphrase is available without a prompt (``RUSENHET_PASSPHRASE_FILE`` or
``RUSENHET_PASSPHRASE``); otherwise nothing is offered — a completion never prompts and
never fails. Only numbers and user names are offered, never a person's name: a shell's
completion menu is no place for personal data. Completion reads nothing it logs.
"""

from __future__ import annotations

import os
from pathlib import Path

from rusenhet.vault import Vault


def _vault() -> Vault | None:
    from rusenhet import platform

    secret = os.environ.get("RUSENHET_PASSPHRASE")
    secret_file = os.environ.get("RUSENHET_PASSPHRASE_FILE")
    try:
        if secret_file:
            secret = Path(secret_file).read_text(encoding="utf-8").removesuffix("\n")
        if not secret:
            return None
        path = Path(os.environ.get("RUSENHET_VAULT") or platform.default_vault_path())
        user = os.environ.get("RUSENHET_USER") or platform.login_name()
        return Vault.open(path, user, secret, remember=False)
    except Exception:
        return None


def referral_numbers(incomplete: str) -> list[str]:
    from rusenhet import referrals

    vault = _vault()
    if vault is None:
        return []
    try:
        numbers = [str(r.number) for r in referrals.open_referrals(vault)]
    except Exception:
        return []
    finally:
        vault.close()
    return [n for n in numbers if n.startswith(incomplete)]


def user_names(incomplete: str) -> list[str]:
    from rusenhet import users

    vault = _vault()
    if vault is None:
        return []
    try:
        names = [u.name for u in users.list_users(vault)]
    finally:
        vault.close()
    return [n for n in names if n.startswith(incomplete)]


def script_ids(incomplete: str) -> list[str]:
    from rusenhet.cli.cases import load_library

    try:
        ids = [s.id for s in load_library(None)]
    except Exception:
        return []
    return [i for i in ids if i.startswith(incomplete)]
