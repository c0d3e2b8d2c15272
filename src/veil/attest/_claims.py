"""Normalised claims: what every platform verifier returns.

A verifier turns platform evidence into one :class:`Claims` object, so a
release policy reads the same fields whether the workload ran in a Nitro
enclave, an SEV-SNP VM, a TDX trust domain, an SGX enclave, an NVIDIA GPU in
confidential-computing mode or Veil's simulated TEE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PLATFORMS", "Claims", "Platform", "Region", "RegionSource"]

Platform = Literal["aws-nitro", "amd-sev-snp", "intel-tdx", "intel-sgx", "nvidia-gpu", "simulated"]
PLATFORMS: tuple[str, ...] = Platform.__args__  # type: ignore[attr-defined]

# Where a region claim comes from, strongest first. No TEE signs its location
# today; "hardware" is kept for when one does. "cloud-signed" is a region in a
# document the cloud provider signs (e.g. an instance identity document);
# "operator-inventory" is the operator's own mapping of chip IDs to sites.
RegionSource = Literal["hardware", "cloud-signed", "operator-inventory", "simulated"]


class Region(BaseModel):
    """A region claim and the source that vouches for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str = Field(description="a region or jurisdiction code, e.g. 'eu-west-1' or 'EU'")
    source: RegionSource


class Claims(BaseModel):
    """Verified, normalised facts about a workload. Built only by a verifier."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: Platform
    debug: bool = Field(description="the TEE allows a host or debugger to read its memory")
    measurements: dict[str, str] = Field(
        description="measurement registers by name (PCR0, MEASUREMENT, MRTD, RTMR0...), lower hex"
    )
    tcb_status: str | None = Field(
        default=None,
        description="platform TCB status (UpToDate, OutOfDate, ...); None when not evaluated",
    )
    report_data: str = Field(description="the workload-chosen bytes bound into the evidence, hex")
    public_key: str | None = Field(
        default=None, description="a key the evidence itself carries (Nitro public_key), hex"
    )
    region: Region | None = None
    simulated: bool = False
    verified_at: datetime = Field(description="the time the evidence was checked against")
    chain: tuple[str, ...] = Field(
        default=(), description="SHA-256 fingerprints of the certificates, leaf first"
    )
    details: dict[str, Any] = Field(
        default_factory=dict, description="platform-specific fields (chip id, advisories...)"
    )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO 8601)."""
        return self.model_dump(mode="json")
