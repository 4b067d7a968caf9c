"""The digits example: it learns (>= 95 % test accuracy), and parity on real work.

Parity: the array-api-strict backend must reproduce NumPy's training run *bit for bit*.
The bound is zero, not a tolerance, because both runs execute the same IEEE-754 operations
in the same order (docs/example-digits.md, "Parity on real work", gives the argument):

- array-api-strict arrays wrap NumPy arrays, and each of its functions used here (``matmul``,
  ``exp``, ``log``, ``max``, ``sum``, ``where``, ``greater``, the operators) calls the NumPy
  function of the same name on the wrapped arrays, with the same float64 dtype and the same
  memory layout (C order, or the transposed view of it);
- the NumPy backend's ``matrix_multiply`` reaches the same BLAS ``dgemm`` call as
  ``np.matmul`` (``ndarray.dot`` for small operands: bit-identical, see
  tests/test_numpy_backend.py), and ``array_api_compat.numpy``'s functions are NumPy's;
- everything else (data, split, initial weights, shuffles) is made once on the host by the
  same seeded generator, and the loss is summed on the host in the same order.

A backend with kernels of its own (CuPy's cuBLAS, ...) does not meet these premises and is
not held to bit-identity here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import arraybackend as ab

pytest.importorskip("sklearn", reason='the example needs pip install "arraybackend[examples]"')

import digits_mlp as mlp

HAS_STRICT = importlib.util.find_spec("array_api_strict") is not None
STRICT = pytest.param(
    "array-api-strict",
    id="array-api-strict",
    marks=pytest.mark.skipif(
        not HAS_STRICT, reason='needs pip install "arraybackend[array-api-strict]"'
    ),
)
CPU_BACKENDS = [pytest.param("numpy", id="numpy"), STRICT]


@pytest.fixture(scope="module")
def data() -> mlp.Data:
    return mlp.load(mlp.Config())


def _train(name: str, data: mlp.Data, config: mlp.Config) -> tuple[list[np.ndarray], mlp.History]:
    be = ab.get_backend(name)
    assert isinstance(be, ab.SupportsAsarray)
    p, history = mlp.train(be, be.asarray, data, config)
    return [np.asarray(be.to_numpy(a)) for a in (p.w1, p.b1, p.w2, p.b2)], history


def test_split_is_stratified_and_disjoint(data: mlp.Data) -> None:
    assert data.x_train.shape == (1438, 64)
    assert data.x_test.shape == (359, 64)
    # No image is in both sets (the 1,797 images are pairwise different).
    assert not {r.tobytes() for r in data.x_train} & {r.tobytes() for r in data.x_test}
    # 20 % of each class (rounded) is in the test set.
    counts = np.bincount(data.y_test, minlength=10)
    assert counts.min() >= 35
    assert counts.max() <= 37
    assert float(data.x_train.max()) == 1.0


@pytest.mark.parametrize("name", CPU_BACKENDS)
def test_reaches_95_percent(name: str, data: mlp.Data) -> None:
    _, history = _train(name, data, mlp.Config())
    assert history.accuracy[-1] >= 0.95, history.accuracy
    # The training loss falls by an order of magnitude over the 20 epochs.
    assert history.loss[-1] < 0.1 * history.loss[0], history.loss


@pytest.mark.parametrize("name", [STRICT])
def test_training_run_is_bit_identical_to_numpy(name: str, data: mlp.Data) -> None:
    config = mlp.Config(epochs=3)
    ref_params, ref = _train("numpy", data, config)
    params, got = _train(name, data, config)
    # Exact equality (not allclose): the argument in the module docstring makes it so.
    assert got.loss == ref.loss
    assert got.accuracy == ref.accuracy
    for a, b in zip(params, ref_params, strict=True):
        assert a.dtype == b.dtype == np.float64
        np.testing.assert_array_equal(a, b, strict=True)


def test_loss_is_the_cross_entropy_computed_on_the_host(data: mlp.Data) -> None:
    """``gradients``' loss equals ``-mean(log softmax[label])`` computed independently."""
    be = ab.get_backend("numpy")
    p = mlp.init_params(mlp.Config(), np.random.default_rng(1))
    x, labels = data.x_train[:50], data.y_train[:50]
    loss, _ = mlp.gradients(be, p, x, data.onehot(labels))
    logits = np.maximum(x @ p.w1 + p.b1, 0) @ p.w2 + p.b2
    expected = np.mean(
        [
            np.log(np.sum(np.exp(row - row.max()))) - (row[k] - row.max())
            for row, k in zip(logits, labels, strict=True)
        ]
    )
    # Both are float64 evaluations of the same sum of ~10 terms per row: they agree to a
    # few ulps of the terms (1e-12 is ~4500 ulps of a loss near 2: generous).
    assert abs(float(loss) - float(expected)) < 1e-12


def test_backprop_matches_a_directional_derivative(data: mlp.Data) -> None:
    """``<grad L, d>`` equals the central difference ``(L(p + h d) - L(p - h d)) / 2h``.

    Premise, checked: no hidden pre-activation changes sign between ``p - h d`` and
    ``p + h d``, so L is smooth on that segment. Then the central difference errs by at
    most ``h**2 / 6 * max|L'''|`` (truncation: ~1e-11 for ``h = 1e-5`` and ``|L'''|`` of
    order 1) plus ``eps_L / h``, where ``eps_L``, the float64 rounding error of one loss
    evaluation of size ~2, is at most a few hundred ulps (~1e-13): ~1e-8. 1e-7 covers both.
    """
    be = ab.get_backend("numpy")
    rng = np.random.default_rng(2)
    p = mlp.init_params(mlp.Config(), rng)
    p = mlp.Params(p.w1, p.b1 + 0.1, p.w2, p.b2 + 0.1)
    d = p.map(lambda a: rng.standard_normal(a.shape))
    x, target = data.x_train[:40], data.onehot(data.y_train[:40])
    _, g = mlp.gradients(be, p, x, target)
    slope = sum(float(np.sum(ga * da)) for ga, da in zip(_arrays(g), _arrays(d), strict=True))
    h = 1e-5

    def moved(t: float) -> mlp.Params[mlp.HostF64]:
        return mlp.Params(*(a + t * b for a, b in zip(_arrays(p), _arrays(d), strict=True)))

    def loss_at(t: float) -> float:
        return float(mlp.gradients(be, moved(t), x, target)[0])

    lo, hi = mlp.forward(be, moved(-h), x)[0], mlp.forward(be, moved(h), x)[0]
    assert np.array_equal(lo > 0, hi > 0), "a ReLU kink lies on the segment: change the seed"
    numeric = (loss_at(h) - loss_at(-h)) / (2 * h)
    assert abs(numeric - slope) <= 1e-7 * max(1.0, abs(slope))


def _arrays(p: mlp.Params[mlp.HostF64]) -> tuple[mlp.HostF64, ...]:
    return (p.w1, p.b1, p.w2, p.b2)


def test_command_line_prints_the_curve_and_writes_the_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib", reason='the plot needs pip install "arraybackend[examples]"')
    png = tmp_path / "digits.png"
    assert mlp.main(["--epochs", "2", "--no-progress", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "numpy: epoch  2  loss " in out
    assert "numpy: test accuracy " in out
    assert png.read_bytes().startswith(b"\x89PNG")


def test_command_line_names_an_unknown_backend(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        mlp.main(["--backend", "nmupy", "--epochs", "1", "--no-progress"])
    assert exit_info.value.code == 2
    assert "unknown backend 'nmupy'" in capsys.readouterr().err
