"""Key management: a :class:`KeyRing` handle over the local key file.

Callers get MACs, AEAD objects and FPE ciphers from the ring, never key bytes;
exporting raw material is a ``veil.hazmat`` operation.
"""

from __future__ import annotations

from veil.keys._keyfile import PURPOSES, FpeCipher, KeyRing, Purpose

__all__ = ["PURPOSES", "FpeCipher", "KeyRing", "Purpose"]
