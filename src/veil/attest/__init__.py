"""Remote attestation: verify TEE evidence into normalised :class:`Claims`.

One pure function per platform behind :func:`verify_evidence`; the
verification time is always an explicit argument and trust roots are pinned by
SHA-256 fingerprint (packaged in ``roots/``). Every failure is
:class:`veil.errors.AttestationFailed` with a one-word reason. The simulated
TEE (:class:`SimulatedCA`) signs development evidence that says SIMULATED.
"""

from __future__ import annotations

from veil.attest._claims import PLATFORMS, Claims, Platform, Region, RegionSource
from veil.attest._simulated import SimulatedCA, SimulatedTEE, measure_program
from veil.attest._verify import decode, detect, verify_evidence

__all__ = [
    "PLATFORMS",
    "Claims",
    "Platform",
    "Region",
    "RegionSource",
    "SimulatedCA",
    "SimulatedTEE",
    "decode",
    "detect",
    "measure_program",
    "verify_evidence",
]
