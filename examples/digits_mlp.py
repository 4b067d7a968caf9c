"""Handwritten digits with a small multilayer perceptron, written once for every backend.

The network is ``64 -> 64 (ReLU) -> 10`` with a softmax cross-entropy loss, trained by
mini-batch gradient descent on scikit-learn's digits (1,797 images of 8 x 8 pixels that
ship inside the scikit-learn wheel: nothing is downloaded).

Written once: the products ``x @ w`` and ``x.T @ delta`` come from the backend
(``matrix_multiply``, ``transpose``), everything element-wise (``exp``, ``log``, ``max``,
``sum``, ``where``) from the arrays' own array-API namespace, found by
``array_api_compat.array_namespace``. No line depends on which library the arrays belong
to: any backend with ``asarray`` and ``to_numpy`` runs it.

Run it with ``python examples/digits_mlp.py --backend numpy`` (``--backend`` may be given
several times; ``--plot digits.png`` draws loss and accuracy per epoch and per backend).
It needs ``pip install "arraybackend[examples]"``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, Self, TypeVar, cast

import numpy as np

import arraybackend as ab

__all__ = [
    "Array",
    "Config",
    "Data",
    "History",
    "Namespace",
    "Params",
    "accuracy",
    "batches",
    "forward",
    "gradients",
    "init_params",
    "load",
    "main",
    "namespace",
    "plot",
    "sgd_step",
    "train",
]

#: Host data: float64 matrices and int64 label vectors, as NumPy arrays.
HostF64 = np.ndarray[tuple[int, int], np.dtype[np.float64]]
HostLabels = np.ndarray[tuple[int], np.dtype[np.int64]]


class Array(Protocol):
    """What the network asks of an array beyond the backend's products: shape, slicing,
    the arithmetic operators and ``float()`` of a 0-d array (NumPy, CuPy and array-API
    arrays all have them)."""

    @property
    def shape(self) -> tuple[int, ...]: ...
    def __getitem__(self, key: tuple[slice, slice], /) -> Self: ...
    def __add__(self, other: Self, /) -> Self: ...
    def __sub__(self, other: Self, /) -> Self: ...
    # ``* float`` keeps the array type for floating arrays (the network's).
    def __mul__(self, other: Self | float, /) -> Self: ...
    def __truediv__(self, other: float, /) -> Self: ...
    def __neg__(self) -> Self: ...
    def __float__(self) -> float: ...


A = TypeVar("A", bound=Array)
B = TypeVar("B", bound=Array)


class Namespace(Protocol[A]):
    """The few functions of an array-API namespace the network uses, typed over ``A``."""

    def exp(self, x: A, /) -> A: ...
    def log(self, x: A, /) -> A: ...
    def max(self, x: A, /, *, axis: int, keepdims: bool) -> A: ...
    def sum(self, x: A, /, *, axis: int | None = None, keepdims: bool = False) -> A: ...
    def where(self, condition: Any, x1: A, x2: float, /) -> A: ...
    def greater(self, x1: A, x2: float, /) -> Any: ...


def namespace(x: A, /) -> Namespace[A]:
    """The array-API namespace of ``x``'s library (NumPy's through ``array_api_compat``).

    The one untyped call of the example: ``array_namespace`` returns a module, typed
    ``ModuleType``; the cast states which of its functions we use and with what types.
    """
    from array_api_compat import array_namespace

    return cast("Namespace[A]", array_namespace(x))


@dataclass(frozen=True)
class Params(Generic[A]):
    """Weights and biases: ``w1`` (64 x hidden), ``b1`` (1 x hidden), ``w2``, ``b2``."""

    w1: A
    b1: A
    w2: A
    b2: A

    def map(self, f: Callable[[A], B], /) -> Params[B]:
        """``f`` applied to every array."""
        return Params(f(self.w1), f(self.b1), f(self.w2), f(self.b2))


@dataclass(frozen=True)
class Data:
    """The digits, split once: pixels scaled to [0, 1], labels 0-9, one-hot targets."""

    x_train: HostF64
    y_train: HostLabels
    x_test: HostF64
    y_test: HostLabels

    def onehot(self, labels: HostLabels) -> HostF64:
        """``labels`` as rows of a 10-column identity matrix."""
        out: HostF64 = np.eye(10, dtype=np.float64)[labels]
        return out


@dataclass(frozen=True)
class Config:
    """Hyper-parameters; the defaults reach 96-97 % test accuracy in 20 epochs (seeds 0-2)."""

    hidden: int = 64
    epochs: int = 20
    batch_size: int = 32
    lr: float = 0.3
    seed: int = 0
    test_fraction: float = 0.2


@dataclass
class History:
    """Per epoch: the mean training loss and the test accuracy; ``seconds`` in all."""

    backend: str
    loss: list[float] = field(default_factory=list[float])
    accuracy: list[float] = field(default_factory=list[float])
    seconds: float = 0.0


def load(config: Config = Config()) -> Data:
    """scikit-learn's digits, split into train and test sets per class (stratified).

    The split is drawn from ``numpy.random.default_rng(config.seed)``: the same seed gives
    the same split on every machine.
    """
    from sklearn.datasets import load_digits

    pixels, labels = load_digits(return_X_y=True)
    x: HostF64 = pixels / 16.0
    y: HostLabels = labels.astype(np.int64)
    rng = np.random.default_rng(config.seed)
    test = np.zeros(y.shape[0], dtype=np.bool_)
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(y == digit))
        test[rows[: round(config.test_fraction * rows.size)]] = True
    return Data(x[~test], y[~test], x[test], y[test])


def init_params(config: Config, rng: np.random.Generator) -> Params[HostF64]:
    """He-initialised weights (``N(0, 2 / fan_in)``) and zero biases, on the host."""
    n_in, n_out = 64, 10
    w1: HostF64 = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, config.hidden))
    w2: HostF64 = rng.normal(0.0, np.sqrt(2.0 / config.hidden), (config.hidden, n_out))
    b1: HostF64 = np.zeros((1, config.hidden))
    b2: HostF64 = np.zeros((1, n_out))
    return Params(w1, b1, w2, b2)


def forward(be: ab.Backend[A], p: Params[A], x: A, /) -> tuple[A, A]:
    """The hidden pre-activations ``x @ w1 + b1`` and the logits ``relu(...) @ w2 + b2``."""
    xp = namespace(x)
    z1 = be.matrix_multiply(x, p.w1) + p.b1
    h = xp.where(xp.greater(z1, 0.0), z1, 0.0)
    return z1, be.matrix_multiply(h, p.w2) + p.b2


def gradients(be: ab.Backend[A], p: Params[A], x: A, target: A, /) -> tuple[A, Params[A]]:
    """The mean cross-entropy of ``softmax(logits)`` against ``target`` (one-hot rows), and
    its gradient with respect to every parameter, by backpropagation.

    The softmax is shifted by each row's maximum, so ``exp`` never overflows; the loss is
    a 0-d array (``float(loss)`` reads it).
    """
    xp = namespace(x)
    n = x.shape[0]
    z1, logits = forward(be, p, x)
    h = xp.where(xp.greater(z1, 0.0), z1, 0.0)
    shifted = logits - xp.max(logits, axis=1, keepdims=True)
    log_softmax = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    loss = -xp.sum(target * log_softmax) / n
    delta2 = (xp.exp(log_softmax) - target) / n  # dL/dlogits = (softmax - target) / n
    back = be.matrix_multiply(delta2, be.transpose(p.w2))  # dL/dh
    delta1 = xp.where(xp.greater(z1, 0.0), back, 0.0)  # relu' is 1 where z1 > 0
    grads = Params(
        w1=be.matrix_multiply(be.transpose(x), delta1),  # x.T @ delta1
        b1=xp.sum(delta1, axis=0, keepdims=True),
        w2=be.matrix_multiply(be.transpose(h), delta2),  # h.T @ delta2
        b2=xp.sum(delta2, axis=0, keepdims=True),
    )
    return loss, grads


def sgd_step(p: Params[A], g: Params[A], lr: float, /) -> Params[A]:
    """``p - lr * g``, parameter by parameter (a new ``Params``: nothing is modified)."""
    return Params(p.w1 - g.w1 * lr, p.b1 - g.b1 * lr, p.w2 - g.w2 * lr, p.b2 - g.b2 * lr)


def batches(n: int, batch_size: int, /) -> Iterator[slice]:
    """Consecutive slices of ``batch_size`` rows (the last may be shorter)."""
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def accuracy(be: ab.Backend[A], p: Params[A], x: A, labels: HostLabels, /) -> float:
    """The fraction of rows of ``x`` whose largest logit is at their label."""
    _, logits = forward(be, p, x)
    predicted = be.to_numpy(logits).argmax(axis=1)
    return np.count_nonzero(predicted == labels) / labels.shape[0]


def train(
    be: ab.Backend[A],
    asarray: Callable[[HostF64], A],
    data: Data,
    config: Config = Config(),
    /,
    *,
    progress: bool = False,
    log: Callable[[str], object] | None = None,
) -> tuple[Params[A], History]:
    """Train on ``data.x_train`` with ``config``; ``asarray`` moves host arrays onto ``be``.

    Each epoch the training rows are shuffled on the host (``default_rng(config.seed)``),
    moved to the backend once, and cut into mini-batches there. Returns the trained
    parameters and the per-epoch history; ``log`` gets one line per epoch.
    """
    rng = np.random.default_rng(config.seed)
    p = init_params(config, rng).map(asarray)
    x_test = asarray(data.x_test)
    history = History(be.name)
    start = time.perf_counter()
    epochs: Iterator[int] = iter(range(config.epochs))
    if progress:
        from tqdm import tqdm

        epochs = iter(tqdm(range(config.epochs), desc=be.name, unit="epoch", leave=False))
    n = data.x_train.shape[0]
    for epoch in epochs:
        order = rng.permutation(n)
        x = asarray(data.x_train[order])
        target = asarray(data.onehot(data.y_train[order]))
        total = 0.0
        for rows in batches(n, config.batch_size):
            loss, grads = gradients(be, p, x[rows, :], target[rows, :])
            p = sgd_step(p, grads, config.lr)
            total += float(loss) * (rows.stop - rows.start)
        history.loss.append(total / n)
        history.accuracy.append(accuracy(be, p, x_test, data.y_test))
        if log is not None:
            log(
                f"{be.name}: epoch {epoch + 1:2d}  loss {history.loss[-1]:.6f}  "
                f"test accuracy {history.accuracy[-1]:.4f}"
            )
    history.seconds = time.perf_counter() - start
    return p, history


def plot(histories: Mapping[str, History], path: Path, /) -> None:
    """Loss and test accuracy per epoch, one line per backend, written to ``path``.

    Needs matplotlib (``pip install "arraybackend[examples]"``).
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
    # The curves may coincide (they do on NumPy and array-api-strict): open markers of
    # different sizes keep every backend visible.
    looks = [("-", "o", 8), ("--", "s", 5), (":", "^", 4), ("-.", "x", 4)]
    for i, (name, h) in enumerate(histories.items()):
        epochs = range(1, len(h.loss) + 1)
        line, marker, size = looks[i % len(looks)]
        style = {"linestyle": line, "marker": marker, "markersize": size, "fillstyle": "none"}
        ax_loss.plot(epochs, h.loss, label=name, **style)
        ax_acc.plot(epochs, [100 * a for a in h.accuracy], label=name, **style)
    ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy)", yscale="log")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)")
    ax_acc.axhline(95, color="grey", linewidth=0.8)
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_loss.legend(title="backend")
    # matplotlib leaves the **kwargs of these two untyped, which strict pyright reports.
    fig.suptitle("digits: 64-64-10 MLP, float64, same seed on every backend")  # pyright: ignore[reportUnknownMemberType]
    fig.savefig(path, dpi=120)  # pyright: ignore[reportUnknownMemberType]
    plt.close(fig)


def _host_converter(be: ab.Backend[Any]) -> Callable[[HostF64], Any]:
    if not isinstance(be, ab.SupportsAsarray):
        msg = f"backend {be.name!r} has no asarray: it cannot receive the host data set"
        raise ab.ArgumentError(msg)
    return be.asarray


def main(argv: Sequence[str] | None = None) -> int:
    """Train on each ``--backend``; print the loss per epoch, the accuracy and the time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--backend",
        action="append",
        help="a backend name (repeatable); default: numpy. Available here: "
        + ", ".join(ab.available_backends()),
    )
    parser.add_argument("--epochs", type=int, default=Config.epochs)
    parser.add_argument("--seed", type=int, default=Config.seed)
    parser.add_argument("--plot", type=Path, help="write loss and accuracy per epoch here")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    config = Config(epochs=args.epochs, seed=args.seed)
    data = load(config)
    histories: dict[str, History] = {}
    log: Callable[[str], object] = print
    if not args.no_progress:
        from tqdm import tqdm

        log = tqdm.write  # prints above the progress bar instead of through it
    for name in args.backend or ["numpy"]:
        try:
            be = ab.get_backend(name)
        except ab.ArrayBackendError as err:
            parser.exit(2, f"{err}\n")
        _, history = train(
            be, _host_converter(be), data, config, progress=not args.no_progress, log=log
        )
        histories[name] = history
        print(
            f"{name}: test accuracy {history.accuracy[-1]:.2%} after {config.epochs} epochs "
            f"({history.seconds:.2f} s)"
        )
    if args.plot is not None:
        plot(histories, args.plot)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
