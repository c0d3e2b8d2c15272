"""Sharp tools: raw key material in and out of a :class:`~veil.keys.KeyRing`.

Everything here can leak a key. A reviewer who sees ``veil.hazmat`` in a diff
should ask why the safe API (``KeyRing.hmac``/``aead``/``fpe``) was not enough.
Typical legitimate uses: backing up the master key to an offline medium,
moving it into a KMS, or building a ring from a key a KMS released.
"""

from __future__ import annotations

from veil._sensitive import SecretKey
from veil.keys._keyfile import KeyRing, export_purpose_key

__all__ = ["export_key", "keyring_from_bytes"]


def export_key(
    keyring: KeyRing, purpose: str, *, unsafe_i_know_this_leaks: bool = False
) -> SecretKey:
    """Return the raw bytes of one key, still wrapped in :class:`SecretKey`.

    ``purpose`` is a derived-key purpose (``hash``, ``pseudonym-index``, ``fpe``,
    ``vault``) or ``master`` for the key file's own 32 bytes. The flag must be
    passed explicitly: whoever holds the result can read the vault or link
    pseudonyms.
    """
    if unsafe_i_know_this_leaks is not True:
        raise ValueError("export_key leaks key material; pass unsafe_i_know_this_leaks=True")
    return export_purpose_key(keyring, purpose)


def keyring_from_bytes(master: SecretKey) -> KeyRing:
    """Build a ring from raw master bytes (a KMS release, a restored backup, a test).

    Nothing leaks here, but the caller is holding raw key bytes, which is why
    this lives under hazmat rather than on ``KeyRing``.
    """
    return KeyRing(master)
