"""DP-SGD through Opacus: the run is charged first, and what is charged is what Opacus runs."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("opacus")

from veil.dp import Accountant  # noqa: E402
from veil.dp._train import make_private  # noqa: E402
from veil.errors import BudgetExhausted  # noqa: E402


def _setup() -> tuple:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(512, 8, generator=gen)
    y = (x[:, 0] > 0).long()
    data = torch.utils.data.TensorDataset(x, y)
    loader = torch.utils.data.DataLoader(data, batch_size=64)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    return model, torch.optim.SGD(model.parameters(), lr=0.5), loader


def test_charged_epsilon_matches_opacus_and_training_runs(tmp_path: Path):
    with Accountant.open(tmp_path, "toy") as acc:
        acc.set_budget(2.5, 1e-5)
        model, opt, loader = _setup()
        run = make_private(model, opt, loader, accountant=acc, target_epsilon=2.0, delta=1e-5,
                           epochs=3)  # fmt: skip
        assert run.epsilon == pytest.approx(2.0, abs=0.05)  # Opacus searched sigma for ε=2
        assert acc.spent() == pytest.approx(run.epsilon, abs=1e-9)
        loss_fn = torch.nn.CrossEntropyLoss()

        def epoch() -> None:
            for xb, yb in run.data_loader:
                run.optimizer.zero_grad()
                loss_fn(run.model(xb), yb).backward()
                run.optimizer.step()

        for _ in range(3):
            epoch()
        with pytest.raises(BudgetExhausted, match="charged for"):  # a 4th epoch was not paid for
            epoch()
        test = torch.randn(512, 8, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            accuracy = (run.model(test).argmax(1) == (test[:, 0] > 0).long()).float().mean()
        assert accuracy > 0.7  # it learnt the easy rule despite the noise
        model, opt, loader = _setup()
        with pytest.raises(BudgetExhausted):  # a second ε=2 run does not fit in 2.5
            make_private(model, opt, loader, accountant=acc, target_epsilon=2.0, delta=1e-5,
                         epochs=3)  # fmt: skip
