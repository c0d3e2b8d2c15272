"""DP-SGD through Opacus, charged to the dataset's budget before the first step.

A thin wrapper: Opacus computes the noise multiplier that reaches the target ε in
the given epochs (``make_private_with_epsilon``); Veil charges exactly that run —
``{"dpsgd": {"q": sample_rate, "sigma": noise_multiplier}, "count": steps}`` — to
the accountant, and only then hands back the private model, optimizer and loader.
If the charge is refused, nothing is trained. ``pip install 'veil[dp-train]'``
(torch, CPU build, pinned; opacus).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veil.dp._accountant import Accountant, epsilon_of
from veil.errors import BudgetExhausted, ConfigError, MissingExtra

__all__ = ["PrivateTraining", "make_private"]


@dataclass
class PrivateTraining:
    """What training needs, plus what was charged for it."""

    model: Any
    optimizer: Any
    data_loader: Any
    noise_multiplier: float
    sample_rate: float
    steps: int
    epsilon: float  # the accountant's ε for this run at ``delta``
    delta: float


def make_private(
    model: Any,
    optimizer: Any,
    data_loader: Any,
    *,
    accountant: Accountant,
    target_epsilon: float,
    delta: float,
    epochs: int,
    max_grad_norm: float = 1.0,
) -> PrivateTraining:
    """Wrap a PyTorch model for DP-SGD at ``target_epsilon`` and charge the run first."""
    if epochs < 1 or target_epsilon <= 0 or not 0 < delta < 1:
        raise ConfigError("DP-SGD needs epochs >= 1, ε > 0 and δ in (0, 1)")
    try:
        from opacus import PrivacyEngine
    except ImportError:
        raise MissingExtra("dp-train", "DP-SGD training (Opacus)") from None
    engine = PrivacyEngine(accountant="rdp")
    model, optimizer, data_loader = engine.make_private_with_epsilon(
        module=model,
        optimizer=optimizer,
        data_loader=data_loader,
        target_epsilon=target_epsilon,
        target_delta=delta,
        epochs=epochs,
        max_grad_norm=max_grad_norm,
    )
    sigma = float(optimizer.noise_multiplier)
    rate = 1.0 / len(data_loader)  # Opacus's Poisson sampling rate
    steps = epochs * len(data_loader)
    mechanism = {"dpsgd": {"q": rate, "sigma": sigma}, "count": steps}
    accountant.charge([mechanism], purpose="dp-sgd")  # refused -> nothing is trained
    _stop_after(optimizer, steps)
    return PrivateTraining(
        model, optimizer, data_loader, sigma, rate, steps, epsilon_of([mechanism], delta), delta
    )


def _stop_after(optimizer: Any, steps: int) -> None:
    """Refuse the step after the ones charged: training on past ``epochs`` would spend
    budget the ledger never saw. Opacus calls its one step hook after the noise is added
    and before the update, so raising there applies nothing; the engine's own hook (its
    accountant) is kept and called after ours."""
    taken = 0
    previous = optimizer.step_hook

    def hook(opt: Any) -> None:
        nonlocal taken
        taken += 1
        if taken > steps:
            raise BudgetExhausted(
                f"DP-SGD was charged for {steps} steps; call make_private again for more"
            )
        if previous is not None:
            previous(opt)

    optimizer.attach_step_hook(hook)
