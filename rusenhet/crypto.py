"""The crypto boundary: every primitive comes from ``cryptography``; nothing hand-made.

Only this module and ``vault`` touch key material. Labels passed to HKDF and the
associated data of every AES-GCM call are distinct per purpose (DESIGN §2), so a key or
ciphertext lifted from one place cannot be replayed in another.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac

# ``serialization`` (PEM, for a few commands only) is imported where it is used: it pulls
# in the SSH key code, a measurable part of every command's start-up.
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16


class DecryptionFailed(Exception):
    """AES-GCM authentication failed: wrong key, or the bytes were changed."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters (RFC 9106). ``memory_kib`` is in KiB."""

    salt: bytes
    memory_kib: int
    iterations: int
    lanes: int

    def to_json(self) -> dict[str, object]:
        return {"salt": b64e(self.salt), "m": self.memory_kib, "t": self.iterations,
                "p": self.lanes}


# RFC 9106 §4 second recommended option: 64 MiB, t=3, p=4 (DESIGN §2).
PRODUCTION_KDF = (65536, 3, 4)
# Documented low cost for demo vaults and tests only (RUSENHET_DEMO_KDF=1). A vault made
# with it carries the demo flag and refuses real ID numbers.
DEMO_KDF = (256, 2, 1)
# Strict bounds: parameters outside them are rejected, never clamped, and checked before
# any KDF runs, so a tampered header cannot make us allocate 100 GiB or loop for hours.
KDF_BOUNDS = {"m": (65536, 1048576), "t": (2, 10), "p": (1, 8)}


def kdf_params_ok(m: int, t: int, p: int, salt: bytes, *, demo: bool) -> bool:
    if len(salt) < SALT_BYTES:
        return False
    if demo and (m, t, p) == DEMO_KDF:
        return True
    (m_lo, m_hi), (t_lo, t_hi), (p_lo, p_hi) = KDF_BOUNDS["m"], KDF_BOUNDS["t"], KDF_BOUNDS["p"]
    return m_lo <= m <= m_hi and t_lo <= t <= t_hi and p_lo <= p <= p_hi


def new_kdf_params(*, demo: bool) -> KdfParams:
    m, t, p = DEMO_KDF if demo else PRODUCTION_KDF
    return KdfParams(os.urandom(SALT_BYTES), m, t, p)


def normalise_passphrase(passphrase: str) -> bytes:
    """NFC first: æ, ø and å arrive composed or decomposed depending on the keyboard/OS."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_passphrase_key(passphrase: str, params: KdfParams) -> bytes:
    kdf = Argon2id(salt=params.salt, length=KEY_BYTES, iterations=params.iterations,
                   lanes=params.lanes, memory_cost=params.memory_kib)
    return kdf.derive(normalise_passphrase(passphrase))


def hkdf(key: bytes, label: str, *, salt: bytes | None = None, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt,
                info=label.encode()).derive(key)


def random_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """AES-256-GCM with a fresh random 96-bit nonce from os.urandom — never a counter:
    restored or forked files would repeat counters, and GCM nonce reuse is fatal."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, ad)


def unseal(key: bytes, blob: bytes, ad: bytes) -> bytes:
    if len(blob) < NONCE_BYTES + 16:
        raise DecryptionFailed
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], ad)
    except InvalidTag as exc:
        raise DecryptionFailed from exc


@dataclass(frozen=True, repr=False)
class Identity:
    """A user's private keys: X25519 for key slots, Ed25519 for signatures."""

    x25519: bytes
    ed25519: bytes

    def __repr__(self) -> str:
        return "Identity(<secret>)"

    @staticmethod
    def generate() -> Identity:
        x = X25519PrivateKey.generate().private_bytes_raw()
        e = Ed25519PrivateKey.generate().private_bytes_raw()
        return Identity(x, e)

    def to_bytes(self) -> bytes:
        return self.x25519 + self.ed25519

    @staticmethod
    def from_bytes(raw: bytes) -> Identity:
        if len(raw) != 2 * KEY_BYTES:
            raise DecryptionFailed
        return Identity(raw[:KEY_BYTES], raw[KEY_BYTES:])

    @property
    def x25519_public(self) -> bytes:
        return X25519PrivateKey.from_private_bytes(self.x25519).public_key().public_bytes_raw()

    @property
    def ed25519_public(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.ed25519).public_key().public_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return sign(self.ed25519, message)


def x25519_public(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def x25519_generate() -> bytes:
    return X25519PrivateKey.generate().private_bytes_raw()


def wrap_to(recipient_public: bytes, secret: bytes, ad: bytes) -> tuple[bytes, bytes]:
    """Encrypt ``secret`` to an X25519 public key: ephemeral ECDH + HKDF + AES-GCM.

    Returns (ephemeral public key, sealed blob). Lets an admin add users and rotate keys
    without knowing anyone's passphrase (DESIGN §2, "Users and keys")."""
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes_raw()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = hkdf(shared, "rusenhet/keyslot/v1", salt=eph_pub + recipient_public)
    return eph_pub, seal(key, secret, ad)


def unwrap_with(private: bytes, eph_pub: bytes, blob: bytes, ad: bytes) -> bytes:
    priv = X25519PrivateKey.from_private_bytes(private)
    try:
        shared = priv.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    except ValueError as exc:
        raise DecryptionFailed from exc
    my_pub = priv.public_key().public_bytes_raw()
    key = hkdf(shared, "rusenhet/keyslot/v1", salt=eph_pub + my_pub)
    return unseal(key, blob, ad)


def ed25519_generate() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


def ed25519_public(private: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def sign(private: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private).sign(message)


def verify(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_pem(public: bytes) -> str:
    from cryptography.hazmat.primitives import serialization  # PEM: a few commands only

    return Ed25519PublicKey.from_public_bytes(public).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def keyed_pseudonym(key: bytes, data: bytes) -> str:
    """HMAC-SHA256: a stable pseudonym that cannot be recomputed without ``key``."""
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(data)
    return mac.finalize().hex()


class BadKey(ValueError):
    """A PEM file that is not a key of the expected kind."""


def load_public_pem(text: str, kind: str) -> bytes:
    """Raw bytes of an Ed25519 (``kind="ed25519"``) or X25519 public key in PEM."""
    from cryptography.hazmat.primitives import serialization  # PEM: a few commands only

    try:
        key = serialization.load_pem_public_key(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise BadKey(kind) from None
    if kind == "ed25519" and isinstance(key, Ed25519PublicKey):
        return key.public_bytes_raw()
    if kind == "x25519" and isinstance(key, X25519PublicKey):
        return key.public_bytes_raw()
    raise BadKey(kind)


def load_x25519_private_pem(text: str) -> bytes:
    from cryptography.hazmat.primitives import serialization  # PEM: a few commands only

    try:
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise BadKey("x25519") from None
    if not isinstance(key, X25519PrivateKey):
        raise BadKey("x25519")
    return key.private_bytes_raw()


def new_x25519_pem_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a fresh X25519 key pair."""
    from cryptography.hazmat.primitives import serialization  # PEM: a few commands only

    key = X25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


# Recovery key: 160 random bits in Crockford-free base32, grouped for writing down.
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_recovery_secret() -> str:
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(32))
    return "-".join(chars[i:i + 4] for i in range(0, 32, 4))


def recovery_key_bytes(text: str, salt: bytes) -> bytes:
    """The recovery key has ~160 bits of entropy, so HKDF (not Argon2) derives its
    wrapping key (DESIGN §2)."""
    cleaned = "".join(c for c in text.upper() if c.isalnum())
    return hkdf(cleaned.encode("ascii", "ignore"), "rusenhet/recovery/v1", salt=salt)
