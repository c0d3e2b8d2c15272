"""Pinned trust roots, shipped with the package and checked against their fingerprints.

Each root is a public vendor certificate kept in ``roots/``; the constant below
is its SHA-256 fingerprint as the vendor publishes it. Loading a root checks
the file against the pin, so an edited file fails loudly instead of widening
trust. Callers may pass their own pins (e.g. AMD Genoa/Turin ARKs) to a verifier.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from cryptography import x509

from veil.attest._x509 import fingerprint, load_pem

__all__ = ["AMD_ARK_MILAN", "AWS_NITRO_ROOT_G1", "INTEL_SGX_ROOT_CA", "NVIDIA_DEVICE_ROOT", "root"]

# https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip (fingerprint in AWS docs)
AWS_NITRO_ROOT_G1 = "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"
# https://kdsintf.amd.com/vcek/v1/Milan/cert_chain (the self-signed ARK)
AMD_ARK_MILAN = "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"
# https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem
INTEL_SGX_ROOT_CA = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"
# NVIDIA Device Identity CA (nvtrust local GPU verifier, verifier_device_root.pem)
NVIDIA_DEVICE_ROOT = "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48"

_FILES = {
    AWS_NITRO_ROOT_G1: "aws_nitro_root_g1.pem",
    AMD_ARK_MILAN: "amd_ark_milan.pem",
    INTEL_SGX_ROOT_CA: "intel_sgx_root_ca.pem",
    NVIDIA_DEVICE_ROOT: "nvidia_device_identity_root.pem",
}


@cache
def root(pin: str) -> x509.Certificate:
    """The shipped root certificate with fingerprint ``pin``; refuses a file that does not match."""
    name = _FILES[pin]
    cert = load_pem(resources.files("veil.attest").joinpath("roots", name).read_bytes())[0]
    if fingerprint(cert) != pin:
        raise RuntimeError(f"packaged root {name} does not match its pinned fingerprint")
    return cert
