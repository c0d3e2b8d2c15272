"""What the key broker checks before it releases a key: fixed guards, then policy.

The guards are code, not configuration, and run in this order for every
release; no policy can switch one off:

1. the challenge nonce is known, unexpired and used once (``nonce``);
2. the evidence verifies for its platform at the current time (``attestation:<reason>``);
3. its report data binds the nonce and the workload's public key (``binding``);
4. the TEE is not in debug mode (``debug``);
5. simulated evidence only in dev mode and only for a dev key (``simulated``);
6. the measurements match an approved reference set for the platform (``measurement``);
7. the TCB status, where the platform reports one, is accepted; a DCAP quote
   checked without collateral has no status and is refused (``tcb``);
8. the workload's region, from a stated source, lies in the key's jurisdiction (``region``).

Only then is the Cedar release policy asked (``policy``): deny by default, a
``permit`` must match. Principal ``Workload`` (platform, measurements as
``NAME:hex`` strings, tcb_status, region, jurisdiction, simulated), action
``release``, resource ``Key`` (name, jurisdiction, dev).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from veil._cedar import evaluation_errors
from veil.attest import Claims, Region
from veil.errors import ConfigError, MissingExtra
from veil.keys import DataKeyInfo

__all__ = ["BrokerConfig", "ReferenceValue", "ReleasePolicy", "jurisdiction_of"]

# Cloud regions whose jurisdiction is plain, by provider naming. Deliberately an allow-list:
# "eu-west-2" is London and "europe-west6" Zurich, so no prefix rule is safe. A region not
# listed here (nor in the config's ``regions``) has no jurisdiction, and release is refused.
_EU = (
    "eu-west-1 eu-west-3 eu-central-1 eu-north-1 eu-south-1 eu-south-2 "  # AWS
    "europe-west1 europe-west3 europe-west4 europe-west8 europe-west9 europe-west10 "
    "europe-west12 europe-north1 europe-central2 europe-southwest1 "  # Google Cloud
    "westeurope northeurope francecentral francesouth germanywestcentral germanynorth "
    "swedencentral italynorth polandcentral spaincentral"  # Azure
)
_KNOWN_REGIONS: dict[str, str] = {
    **dict.fromkeys(_EU.split(), "EU"),
    **dict.fromkeys(["eu-west-2", "europe-west2", "uksouth", "ukwest"], "UK"),
    **dict.fromkeys(["eu-central-2", "europe-west6", "switzerlandnorth", "switzerlandwest"], "CH"),
    **dict.fromkeys(
        [
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "us-central1",
            "us-east1",
            "us-east4",
            "us-east5",
            "us-south1",
            "us-west1",
            "us-west2",
            "us-west3",
            "us-west4",
            "eastus",
            "eastus2",
            "westus",
            "westus2",
            "westus3",
            "centralus",
            "northcentralus",
            "southcentralus",
            "westcentralus",
        ],
        "US",
    ),
    **dict.fromkeys(["ca-central-1", "ca-west-1", "canadacentral", "canadaeast"], "CA"),
}
_STRONG_SOURCES = frozenset({"hardware", "cloud-signed", "operator-inventory"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReferenceValue(_Strict):
    """One approved workload: every listed measurement must match exactly."""

    platform: str
    measurements: dict[str, str] = Field(min_length=1)
    note: str | None = None
    min_tcb: dict[str, int] | None = None  # SNP: lowest acceptable reported TCB components


class BrokerConfig(_Strict):
    """``veil kbs serve --config FILE``: YAML with these fields (see docs/keys.md)."""

    dev: bool = False
    challenge_ttl_s: float = Field(default=60.0, gt=0, le=600)
    policy: str
    reference_values: list[ReferenceValue] = Field(default_factory=list)
    tcb_accept: list[str] = Field(default_factory=lambda: ["UpToDate"])
    regions: dict[str, str] = Field(default_factory=dict)
    inventory: dict[str, str] = Field(default_factory=dict)
    pins: dict[str, list[str]] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> BrokerConfig:
        try:
            raw = yaml.safe_load(path.read_text("utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read broker config {path}: {exc}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"broker config {path} must be a YAML mapping")
        if isinstance(raw.get("policy_file"), str):
            policy_path = path.parent / raw.pop("policy_file")
            raw["policy"] = _read(policy_path)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"]))
            raise ConfigError(f"broker config {path} field '{where}': {first['msg']}") from None


def jurisdiction_of(region: str, regions: dict[str, str]) -> str | None:
    """The jurisdiction of a region: the operator's map, then the known cloud regions, then a
    bare jurisdiction code (``EU``, ``US``). Anything else is None: unknown, so refused."""
    key = region.strip().lower()
    overrides = {k.lower(): v for k, v in regions.items()}
    if key in overrides:
        return overrides[key].upper()
    if key in _KNOWN_REGIONS:
        return _KNOWN_REGIONS[key]
    return region.upper() if region.isalpha() and 2 <= len(region) <= 3 else None


class ReleasePolicy:
    """The guards and the pre-parsed Cedar policy set of one broker."""

    def __init__(self, config: BrokerConfig) -> None:
        try:
            import cedarpy
        except ImportError:
            raise MissingExtra("attest", "the key broker's release policy (Cedar)") from None
        self._cedar, self.config = cedarpy, config
        self.hash = "sha256:" + hashlib.sha256(config.policy.encode()).hexdigest()
        try:
            self._policies = cedarpy.PolicySet.from_str(config.policy)
        except Exception as exc:  # cedarpy raises its own parse errors
            raise ConfigError(f"release policy does not parse: {exc}") from None

    def guards(self, claims: Claims, key: DataKeyInfo) -> tuple[str | None, Region | None]:
        """The first guard that fails (4-8 above) or None, and the region relied on."""
        if claims.debug:
            return "debug", None
        if claims.simulated and not (self.config.dev and key.dev):
            return "simulated", None
        if not self._approved(claims):
            return "measurement", None
        if not self._tcb_ok(claims):
            return "tcb", None
        region = self.region(claims)
        if region is None or jurisdiction_of(region.value, self.config.regions) != key.jurisdiction:
            return "region", region
        return None, region

    def region(self, claims: Claims) -> Region | None:
        """The region claim, else the operator inventory entry for this platform identity."""
        region = claims.region
        if region is None:
            found = self.config.inventory.get(f"{claims.platform}:{_identity(claims)}")
            region = Region(value=found, source="operator-inventory") if found else None
        if region is None:
            return None
        trusted = region.source in _STRONG_SOURCES or (claims.simulated and self.config.dev)
        return region if trusted else None

    def permits(self, claims: Claims, key: DataKeyInfo, region: Region) -> bool:
        """The Cedar decision (deny by default; an evaluation error is a deny)."""
        principal = {"type": "Workload", "id": _identity(claims) or claims.platform}
        entities: list[dict[str, Any]] = [
            {"uid": principal, "parents": [], "attrs": _workload(claims, region, self.config)},
            {
                "uid": {"type": "Key", "id": key.name},
                "parents": [],
                "attrs": {"name": key.name, "jurisdiction": key.jurisdiction, "dev": key.dev},
            },
        ]
        request = {
            "principal": principal,
            "action": {"type": "Action", "id": "release"},
            "resource": {"type": "Key", "id": key.name},
            "context": {},
        }
        try:
            result = self._cedar.is_authorized(request, self._policies, entities)
        except Exception:  # fail closed: an evaluation error is a deny
            return False
        # Cedar skips a policy whose evaluation errors (an erroring forbid would release the
        # key): any error in the diagnostics is a deny.
        return bool(result.allowed) and not evaluation_errors(result)

    def _approved(self, claims: Claims) -> bool:
        return any(
            ref.platform == claims.platform
            and all(claims.measurements.get(k) == v.lower() for k, v in ref.measurements.items())
            and _min_tcb_ok(claims, ref.min_tcb)
            for ref in self.config.reference_values
        )

    def _tcb_ok(self, claims: Claims) -> bool:
        if claims.platform in {"intel-tdx", "intel-sgx"} and claims.tcb_status is None:
            return False  # a quote checked without collateral has no TCB status to accept
        return claims.tcb_status is None or claims.tcb_status in self.config.tcb_accept


def _min_tcb_ok(claims: Claims, minimum: dict[str, int] | None) -> bool:
    if not minimum:
        return True
    reported = claims.details.get("reported_tcb") or {}
    return all(int(reported.get(k, -1)) >= v for k, v in minimum.items())


def _identity(claims: Claims) -> str:
    """A stable platform identity for the inventory: chip id, module id or leaf certificate."""
    details = claims.details
    for field in ("chip_id", "module_id"):
        if isinstance(details.get(field), str):
            return str(details[field])
    return claims.chain[0] if claims.chain else ""


def _workload(claims: Claims, region: Region, config: BrokerConfig) -> dict[str, Any]:
    return {
        "platform": claims.platform,
        "simulated": claims.simulated,
        "tcb_status": claims.tcb_status or "",
        "region": region.value,
        "jurisdiction": jurisdiction_of(region.value, config.regions) or "",
        "measurements": [f"{k}:{v}" for k, v in sorted(claims.measurements.items())],
    }


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read release policy {path}: {exc.strerror}") from None
