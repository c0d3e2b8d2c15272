"""Prometheus metrics for the gateway: counts and timings, never values."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["Metrics"]


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self._requests = Counter(
            "veil_gateway_requests",
            "Requests by endpoint and outcome",
            ["endpoint", "outcome"],
            registry=self.registry,
        )
        self._entities = Counter(
            "veil_gateway_entities",
            "Values pseudonymised, by data class",
            ["label"],
            registry=self.registry,
        )
        self._overhead = Histogram(
            "veil_gateway_seconds",
            "Time in the gateway for non-streamed calls (incl. upstream)",
            buckets=(0.002, 0.005, 0.01, 0.015, 0.025, 0.04, 0.1, 0.25, 1.0, 5.0),
            registry=self.registry,
        )

    def request(self, endpoint: str, outcome: str) -> None:
        self._requests.labels(endpoint, outcome).inc()

    def entities(self, counts: Mapping[str, int]) -> None:
        for label, n in counts.items():
            self._entities.labels(label).inc(n)

    def overhead(self, seconds: float) -> None:
        self._overhead.observe(seconds)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
