"""Passphrase policy (DESIGN §2 "Passphrases"; NIST SP 800-63B style).

At least 12 characters or 4 words, not the user name, not a common or easily guessed
password (zxcvbn bundles common-password, name and word lists); no composition rules.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from rusenhet.errors import InputError

MIN_LENGTH = 12
MIN_WORDS = 4
MIN_ZXCVBN_SCORE = 3


def check_new_passphrase(passphrase: str, user: str) -> None:
    text = unicodedata.normalize("NFC", passphrase)
    words = [w for w in text.replace("-", " ").split() if w]
    if len(text) < MIN_LENGTH and len(words) < MIN_WORDS:
        raise InputError("passphrase.too_short", min=MIN_LENGTH, words=MIN_WORDS)
    folded, name = text.casefold(), user.casefold()
    if name and name in folded and len(folded.replace(name, "").strip()) < MIN_LENGTH // 2:
        raise InputError("passphrase.user_name")
    from zxcvbn import zxcvbn  # imported lazily: its word lists take a moment to load

    result = zxcvbn(text[:100], user_inputs=[user, *_norwegian_words()])
    if int(result["score"]) < MIN_ZXCVBN_SCORE:
        raise InputError("passphrase.weak")


@cache
def _norwegian_words() -> tuple[str, ...]:
    """A bundled list of common Norwegian passwords and words (zxcvbn's lists are
    mostly English)."""
    text = (resources.files("rusenhet") / "data" / "common_passwords_nb.txt").read_text(
        encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines()
                 if line.strip() and not line.startswith("#"))
