"""Key management: the local key ring and envelope encryption under jurisdiction KEKs.

* :class:`KeyRing` — a handle over the local master key; callers get MACs,
  AEAD objects and FPE ciphers, never bytes (raw export is ``veil.hazmat``).
* :class:`KeyStore` — named AES-256 data keys, each wrapped by the active
  key-encryption key of its jurisdiction, from a pluggable provider (local
  file, environment, AWS KMS); rotation re-wraps, destruction crypto-shreds.
"""

from __future__ import annotations

from veil.keys._keyfile import PURPOSES, FpeCipher, KeyRing, Purpose
from veil.keys._providers import AwsKmsProvider, EnvProvider, KekProvider, LocalProvider
from veil.keys._store import DataKeyInfo, KekInfo, KeyStore, default_jurisdiction

__all__ = [
    "PURPOSES",
    "AwsKmsProvider",
    "DataKeyInfo",
    "EnvProvider",
    "FpeCipher",
    "KekInfo",
    "KekProvider",
    "KeyRing",
    "KeyStore",
    "LocalProvider",
    "Purpose",
    "default_jurisdiction",
]
