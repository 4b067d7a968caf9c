"""A two-layer network trained by gradient descent, written once for every backend.

The seed's network: ``h = tanh(x @ w1)``, ``y_hat = h @ w2``, the loss
``L = sum((y_hat - y) ** 2) / (2 n)``, and backpropagation, where each layer's weight
gradient is ``x.T @ delta`` (here ``matrix_multiply(transpose(x), delta)``).

``train`` and the functions it calls are generic over ``ab.Backend[A]``: the same code runs
on NumPy and CuPy arrays, and the checkers keep ``A`` (e.g. ``Matrix[np.float64]``) from
the arguments to the results. What the network needs beyond ``matrix_multiply`` and
``transpose`` (``+``, ``-``, ``*``) comes from the arrays' own operators, required by the
caller-side bound ``SupportsArithmetic``; ``tanh`` is passed in, one per library.

Run it with ``python examples/two_layer_network.py --backend numpy``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, Self, TypeVar

import numpy as np

import arraybackend as ab
from arraybackend import Matrix

__all__ = ["Params", "SupportsArithmetic", "gradients", "loss", "main", "step", "train"]


class SupportsArithmetic(Protocol):
    """The shape and the elementwise operators the network uses; NumPy and CuPy arrays have
    them."""

    @property
    def shape(self) -> tuple[int, ...]: ...
    def __add__(self, other: Self, /) -> Self: ...
    def __sub__(self, other: Self, /) -> Self: ...
    # ``* float`` keeps the array type for floating arrays (the network's); an integer array
    # times a float is a float array at run time, which this protocol does not express.
    def __mul__(self, other: Self | float, /) -> Self: ...


# The bound lives here, at the caller, not on ab.Backend (which would force it on everyone).
A = TypeVar("A", bound=SupportsArithmetic)


@dataclass(frozen=True)
class Params(Generic[A]):
    """The two weight matrices: ``w1`` (inputs x hidden), ``w2`` (hidden x outputs)."""

    w1: A
    w2: A


def forward(be: ab.Backend[A], tanh: Callable[[A], A], x: A, p: Params[A]) -> tuple[A, A]:
    """The hidden activations ``h`` and the prediction ``h @ w2``."""
    h = tanh(be.matrix_multiply(x, p.w1))
    return h, be.matrix_multiply(h, p.w2)


def loss(be: ab.Backend[A], tanh: Callable[[A], A], x: A, y: A, p: Params[A]) -> float:
    """``sum((y_hat - y) ** 2) / (2 n)`` for one output column, as a Python float."""
    _, y_hat = forward(be, tanh, x, p)
    err = y_hat - y
    sse = be.to_numpy(be.matrix_multiply(be.transpose(err), err))  # 1 x 1: err . err
    return float(sse[0, 0]) / (2 * x.shape[0])


def gradients(be: ab.Backend[A], tanh: Callable[[A], A], x: A, y: A, p: Params[A]) -> Params[A]:
    """``dL/dw1`` and ``dL/dw2`` by backpropagation."""
    h, y_hat = forward(be, tanh, x, p)
    delta2 = (y_hat - y) * (1.0 / x.shape[0])  # dL/dy_hat
    grad_w2 = be.matrix_multiply(be.transpose(h), delta2)  # h.T @ delta2
    back = be.matrix_multiply(delta2, be.transpose(p.w2))  # dL/dh
    delta1 = back - back * h * h  # tanh' = 1 - tanh**2
    grad_w1 = be.matrix_multiply(be.transpose(x), delta1)  # x.T @ delta1
    return Params(grad_w1, grad_w2)


def step(p: Params[A], g: Params[A], lr: float) -> Params[A]:
    """One gradient-descent step."""
    return Params(p.w1 - g.w1 * lr, p.w2 - g.w2 * lr)


def train(
    be: ab.Backend[A],
    tanh: Callable[[A], A],
    x: A,
    y: A,
    p: Params[A],
    *,
    lr: float,
    steps: int,
) -> tuple[Params[A], list[float]]:
    """``steps`` gradient-descent steps; returns the weights and the loss before each step
    and after the last."""
    losses = [loss(be, tanh, x, y, p)]
    for _ in range(steps):
        p = step(p, gradients(be, tanh, x, y, p), lr)
        losses.append(loss(be, tanh, x, y, p))
    return p, losses


F64 = Matrix[np.float64]


def numpy_tanh(z: F64) -> F64:
    """``np.tanh`` with the rank and dtype kept for the checkers (ufuncs return Any)."""
    out: F64 = np.tanh(z)
    return out


def problem(seed: int = 0, n: int = 32) -> tuple[F64, F64, Params[F64]]:
    """A small regression problem made by a fixed 'teacher' network, and initial weights."""
    rng = np.random.default_rng(seed)
    x: F64 = rng.standard_normal((n, 3))
    teacher = Params[F64](rng.standard_normal((3, 4)), rng.standard_normal((4, 1)))
    y: F64 = np.tanh(x @ teacher.w1) @ teacher.w2
    start = Params[F64](0.5 * rng.standard_normal((3, 8)), 0.5 * rng.standard_normal((8, 1)))
    return x, y, start


def main(argv: Sequence[str] | None = None) -> int:
    """Train on ``--backend`` (any of them where its library runs) and print the losses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["numpy", *OTHERS], default="numpy")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args(argv)
    x, y, start = problem()
    if args.backend == "numpy":
        _, losses = train(
            ab.get_backend("numpy"), numpy_tanh, x, y, start, lr=args.lr, steps=args.steps
        )
    else:
        try:
            losses = OTHERS[args.backend](x, y, start, lr=args.lr, steps=args.steps)
        except ab.BackendUnavailableError as err:
            parser.exit(2, f"{err}\n")
    print(f"{args.backend}: loss {losses[0]:.6f} -> {losses[-1]:.6f} in {args.steps} steps")
    return 0


def _train_cupy(x: F64, y: F64, start: Params[F64], *, lr: float, steps: int) -> list[float]:
    """The same ``train`` on CuPy arrays (CuPy is imported only here).

    As precisely typed as the NumPy branch: ``be.asarray`` keeps ``Matrix[np.float64]`` as
    ``cupy.ndarray[tuple[int, int], np.dtype[np.float64]]``, whose ``-`` and ``*`` (with
    ``Self`` or a float) and ``cupy.tanh`` keep shape and dtype in typings/cupy, so the
    checkers infer ``A`` as that device matrix type, with no change to ``train``.
    """
    be = ab.get_backend("cupy")  # raises BackendUnavailableError before CuPy is imported
    import cupy

    _, losses = train(
        be,
        cupy.tanh,
        be.asarray(x),
        be.asarray(y),
        Params(be.asarray(start.w1), be.asarray(start.w2)),
        lr=lr,
        steps=steps,
    )
    return losses


def _train_array_api_strict(
    x: F64, y: F64, start: Params[F64], *, lr: float, steps: int
) -> list[float]:
    """The same ``train`` on array-api-strict arrays (``A`` is its ``Array``)."""
    import array_api_strict as xp

    from arraybackend.backends.array_api_strict import ArrayAPIStrictBackend

    be = ab.get_backend("array-api-strict")
    assert isinstance(be, ArrayAPIStrictBackend)  # a registered plugin: Backend[Any] statically

    w = Params(be.asarray(start.w1), be.asarray(start.w2))
    _, losses = train(be, xp.tanh, be.asarray(x), be.asarray(y), w, lr=lr, steps=steps)
    return losses


def _train_jax(x: F64, y: F64, start: Params[F64], *, lr: float, steps: int) -> list[float]:
    """The same ``train`` on ``jax.Array`` (``A`` is ``jax.Array``).

    The data are float64: JAX holds them only in its 64-bit mode (the backend refuses them
    otherwise rather than compute in float32), which this script, the user here, turns on.
    """
    be = ab.get_backend("jax")
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        w = Params(be.asarray(start.w1), be.asarray(start.w2))
        _, losses = train(be, jnp.tanh, be.asarray(x), be.asarray(y), w, lr=lr, steps=steps)
    return losses


def _train_torch(x: F64, y: F64, start: Params[F64], *, lr: float, steps: int) -> list[float]:
    """The same ``train`` on ``torch.Tensor`` (``A`` is ``torch.Tensor``)."""
    be = ab.get_backend("torch")
    import torch

    w = Params(be.asarray(start.w1), be.asarray(start.w2))
    _, losses = train(be, torch.tanh, be.asarray(x), be.asarray(y), w, lr=lr, steps=steps)
    return losses


OTHERS: dict[str, Callable[..., list[float]]] = {
    "cupy": _train_cupy,
    "array-api-strict": _train_array_api_strict,
    "jax": _train_jax,
    "torch": _train_torch,
}


if __name__ == "__main__":
    raise SystemExit(main())
