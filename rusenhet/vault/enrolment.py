"""Enrolment: a new user makes their own key pairs on their own machine (DESIGN §2c).

Nobody else, an admin included, ever holds a user's private keys or the key derived
from their first passphrase. The flow:

1. an admin invites a name with a role (``user invite``; signed into the roster);
2. the user runs ``user enrol NAME`` on their machine: it makes the key pairs, seals
   them under the user's passphrase, and writes a request holding only public keys, the
   sealed credential and a signature proving possession of the signing key;
3. the user reads out the request's fingerprint; the admin compares it and approves
   (``user approve FILE``), which wraps the section keys to the new public key.

The request contains no secret and no personal data (a login name and public keys).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rusenhet import crypto
from rusenhet.crypto import Identity
from rusenhet.errors import InputError, VaultError
from rusenhet.vault import keyslots
from rusenhet.vault.fileformat import ad, canonical
from rusenhet.vault.roster import Roster, fingerprint

REQUEST_FORMAT = "rusenhet-enrolment/1"
MAX_REQUEST_BYTES = 64 * 1024


@dataclass(frozen=True)
class Request:
    vault_id: str
    name: str
    x25519: bytes
    ed25519: bytes
    credential: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.vault_id, self.name, self.x25519, self.ed25519)


def _message(body: dict[str, Any]) -> bytes:
    return ad(body["vault_id"], "enrolment") + canonical(body)


def make_request(roster: Roster, name: str, passphrase: str) -> tuple[str, Request]:
    """Key pairs for ``name`` in the vault ``roster`` belongs to; returns the request
    text to hand over and the parsed request (for its fingerprint)."""
    identity = Identity.generate()
    body: dict[str, Any] = {
        "format": REQUEST_FORMAT, "vault_id": roster.vault_id, "name": name,
        "x25519": crypto.b64e(identity.x25519_public),
        "ed25519": crypto.b64e(identity.ed25519_public),
        "credential": keyslots.seal_credential(roster.vault_id, name, identity, passphrase,
                                               demo=roster.demo),
    }
    body["sig"] = crypto.b64e(identity.sign(_message(body)))
    text = json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return text, parse_request(text, roster)


def parse_request(text: str, roster: Roster) -> Request:
    """Validate a request for this vault: shape, signature (possession of the signing
    key) and the credential's own signature and KDF cost. Raises InputError."""
    try:
        body = json.loads(text)
        if not isinstance(body, dict) or set(body) != {
                "format", "vault_id", "name", "x25519", "ed25519", "credential", "sig"}:
            raise ValueError("shape")
        if body["format"] != REQUEST_FORMAT or not isinstance(body["name"], str):
            raise ValueError("format")
        unsigned = {k: v for k, v in body.items() if k != "sig"}
        x25519, ed25519 = crypto.b64d(body["x25519"]), crypto.b64d(body["ed25519"])
        if len(x25519) != 32 or len(ed25519) != 32:
            raise ValueError("key length")
        if not crypto.verify(ed25519, crypto.b64d(body["sig"]), _message(unsigned)):
            raise ValueError("signature")
        cred = body["credential"]
        if not isinstance(cred, dict) or set(cred) != {"kdf", "sealed", "sig"}:
            raise ValueError("credential")
    except (ValueError, TypeError, KeyError, RecursionError):
        raise InputError("enrol.bad_request") from None
    if body["vault_id"] != roster.vault_id:
        raise InputError("enrol.other_vault")
    try:
        keyslots.check_credential(roster.vault_id, body["name"], cred, ed25519,
                                  demo=roster.demo)
    except (VaultError, KeyError, TypeError, ValueError):
        raise InputError("enrol.bad_request") from None
    return Request(roster.vault_id, body["name"], x25519, ed25519, cred)


def normalise_fingerprint(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return " ".join(digits[i:i + 5] for i in range(0, len(digits), 5))
