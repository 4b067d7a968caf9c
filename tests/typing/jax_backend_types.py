"""The JAX backend: ``jax.Array`` in, ``jax.Array`` out, and no other library's array accepted.

Checked with JAX's own annotations (never run). ``jax.Array`` is not generic: rank and
dtype are not in the types, so what the backend keeps statically is the library.
Markers: see ``numpy_backend_types.py``.
"""

from __future__ import annotations

from typing import Any, Literal, assert_type

import jax
import numpy as np
import torch

import arraybackend as ab
from arraybackend import Matrix
from arraybackend.backends.jax import JaxBackend


def jax_arrays_stay_jax_arrays(j: jax.Array, host: Matrix[np.float32]) -> None:
    be = ab.get_backend("jax")
    assert_type(be, JaxBackend)
    assert_type(ab.get_backend("jax", device="cpu:0"), JaxBackend)
    assert_type(be.name, Literal["jax"])
    assert_type(be.matrix_multiply(j, j), jax.Array)
    assert_type(be.dot(j, j), jax.Array)  # vector . vector too: a 0-d jax.Array
    assert_type(be.transpose(j), jax.Array)
    assert_type(be.asarray(host), jax.Array)
    assert_type(be.to_numpy(j), ab.HostArray)  # the dtype is not known statically
    _b: ab.Backend[jax.Array] = be
    with ab.use_backend(be) as selected:
        assert_type(selected, ab.Backend[Any])


def other_libraries_are_rejected(j: jax.Array, t: torch.Tensor, host: Matrix[np.float64]) -> None:
    be = ab.get_backend("jax")
    be.matrix_multiply(j, host)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.matrix_multiply(t, j)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.dot(host, host)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.transpose(t)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.to_numpy(host)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    ab.get_backend("numpy").matrix_multiply(j, j)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    _n: ab.Backend[Matrix[np.float64]] = be  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    _t: ab.Backend[torch.Tensor] = be  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
