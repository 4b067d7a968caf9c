"""The typed example in ``examples/`` runs, learns, and backpropagates correctly."""

from __future__ import annotations

import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import two_layer_network as net

import arraybackend as ab
from arraybackend import Matrix

EXAMPLE = Path(__file__).parents[1] / "examples" / "two_layer_network.py"
F64 = Matrix[np.float64]


def test_command_line_runs_and_reports_a_lower_loss() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--backend", "numpy", "--steps", "50"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("numpy: loss ")
    before, after = (float(v) for v in done.stdout.split("loss ")[1].split(" in ")[0].split(" -> "))
    assert after < before


def test_command_line_says_why_a_backend_cannot_run() -> None:
    if "cupy" in ab.available_backends():
        pytest.skip("CuPy runs here: the unavailable path cannot be seen")
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--backend", "cupy", "--steps", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("the cupy backend is unavailable: ")


def test_loss_decreases() -> None:
    be = ab.get_backend("numpy")
    x, y, start = net.problem()
    _, losses = net.train(be, net.numpy_tanh, x, y, start, lr=0.1, steps=200)
    # With a step this small gradient descent never increases the loss here, and 200 steps
    # take it below a tenth of where it started (1.158 -> 0.0084).
    assert all(b <= a for a, b in pairwise(losses))
    assert losses[-1] < 0.1 * losses[0]


def test_backprop_matches_finite_differences() -> None:
    """Every entry of the backprop gradient equals a central difference of the loss.

    Central differences with step ``h`` err by at most ``h**2 / 6 * |L'''|`` (truncation)
    plus ``2 * eps_L / h`` (rounding), where ``eps_L`` bounds the float64 rounding error of
    the loss: its terms are O(1) and there are 32 of them, so ``eps_L <= gamma_32 * 32``,
    about 2e-13. With ``h = 1e-5`` and ``|L'''|`` of order 1 here, the total is below
    ``2e-10 + 4e-8``; we allow 1e-7. A wrong gradient (a missing ``tanh'`` factor, a lost
    ``1/n``, a transpose of the wrong factor) is off by the size of the gradient itself,
    which is checked to be over 1000 times larger than the tolerance. (Measured here:
    3.7e-11 at h = 1e-5, and 2.9e-7 at h = 1e-3, so |L'''| is about 1.8.)
    """
    be = ab.get_backend("numpy")
    x, y, p = net.problem()
    analytic = net.gradients(be, net.numpy_tanh, x, y, p)
    h, atol = 1e-5, 1e-7
    for name in ("w1", "w2"):
        weights: F64 = getattr(p, name)
        grad: F64 = getattr(analytic, name)
        assert np.abs(grad).max() > 1000 * atol
        numeric = np.empty_like(weights)
        for index in np.ndindex(weights.shape):
            plus, minus = weights.copy(), weights.copy()
            plus[index] += h
            minus[index] -= h
            l_plus = net.loss(be, net.numpy_tanh, x, y, _replace(p, name, plus))
            l_minus = net.loss(be, net.numpy_tanh, x, y, _replace(p, name, minus))
            numeric[index] = (l_plus - l_minus) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=0, atol=atol)


def _replace(p: net.Params[F64], name: str, value: F64) -> net.Params[F64]:
    return net.Params(value, p.w2) if name == "w1" else net.Params(p.w1, value)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.skipif(
                name not in ab.available_backends(), reason=f"the {name} backend cannot run here"
            ),
        )
        for name in ("array-api-strict", "jax", "torch")
    ],
)
def test_runs_on_every_available_backend(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert net.main(["--backend", name, "--steps", "20"]) == 0
    run = capsys.readouterr().out.split(": ", 1)[1]
    assert net.main(["--backend", "numpy", "--steps", "20"]) == 0
    assert capsys.readouterr().out.split(": ", 1)[1] == run  # the same losses, printed
