"""Shared Cedar (cedarpy) handling for the gateway's access policy and the key broker."""

from __future__ import annotations

from typing import Any

__all__ = ["evaluation_errors"]


def evaluation_errors(result: Any) -> list[Any]:
    """The errors cedarpy reports beside an answer. Cedar *skips* a policy whose evaluation
    errors, so an erroring ``forbid`` would let a request through; callers treat any error
    as a deny."""
    return list(getattr(result.diagnostics, "errors", None) or [])
