"""The encrypted vault file (DESIGN §2, §2c), one module per part:

- ``fileformat``: the bytes on disk — prefix, canonical header, checksums, sections;
- ``roster``: the signed user table, anchored in the vault id (admin chain, key updates);
- ``keyslots``: section keys wrapped to users, credentials sealed under passphrases;
- ``enrolment``: a new user's own key pairs, handed over as public keys only;
- ``integrity``: what the signatures cover, and the checks that need no key;
- ``core``: the unlocked vault — verification on open, transactions, signed saves;
- ``admin``: who holds which key — users, roles, rotation, recovery, restore;
- ``lock``: the lock file beside the vault for one short transaction;
- ``atomic``: temp file, fsync, replace — a crash leaves the old or the new file;
- ``memory``: what this machine remembers about vaults (rollback, pins, log heads).
"""

from rusenhet.vault.admin import create
from rusenhet.vault.atomic import clean_temp_files, write_atomically
from rusenhet.vault.core import Vault
from rusenhet.vault.fileformat import (
    FORMAT_VERSION,
    MAGIC,
    MAX_SECTION_BYTES,
    RECOVERY_HOLDER,
    VaultFile,
    demo_kdf_requested,
    parse,
    read_file,
)
from rusenhet.vault.lock import VaultLock, lock_lease_seconds, lock_timeout_seconds

__all__ = ["FORMAT_VERSION", "MAGIC", "MAX_SECTION_BYTES", "RECOVERY_HOLDER", "Vault",
           "VaultFile", "VaultLock", "clean_temp_files", "create", "demo_kdf_requested",
           "lock_lease_seconds", "lock_timeout_seconds", "parse", "read_file",
           "write_atomically"]
