"""The PyTorch backend: ``torch.Tensor`` in, ``torch.Tensor`` out, no other library's array.

Checked against ``typings/torch``, which mirrors PyTorch's own annotations (stubtest-torch)
because torch cannot be installed where CI checks (never run). ``torch.Tensor`` is not
generic: rank and dtype are not in the types; the backend keeps the library.
Markers: see ``numpy_backend_types.py``.
"""

from __future__ import annotations

from typing import Literal, assert_type

import jax
import numpy as np
import torch

import arraybackend as ab
from arraybackend import Matrix
from arraybackend.backends.torch import TorchBackend


def tensors_stay_tensors(t: torch.Tensor, host: Matrix[np.float32]) -> None:
    be = ab.get_backend("torch")
    assert_type(be, TorchBackend)
    assert_type(ab.get_backend("torch", device="cuda:0"), TorchBackend)
    assert_type(ab.get_backend("torch", device=torch.device("cpu")), TorchBackend)
    assert_type(be.name, Literal["torch"])
    assert_type(be.device, torch.device)
    assert_type(be.matrix_multiply(t, t), torch.Tensor)
    assert_type(be.matrix_multiply(t, t, out=t), torch.Tensor)
    assert_type(be.dot(t, t), torch.Tensor)
    assert_type(be.transpose(t, (1, 0)), torch.Tensor)
    assert_type(be.asarray(host, dtype=np.float32), torch.Tensor)
    assert_type(be.to_numpy(t), ab.HostArray)
    _b: ab.Backend[torch.Tensor] = be


def other_libraries_are_rejected(t: torch.Tensor, j: jax.Array, host: Matrix[np.float64]) -> None:
    be = ab.get_backend("torch")
    be.matrix_multiply(t, host)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    be.matrix_multiply(j, t)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    be.dot(host, host)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    be.transpose(j)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    ab.get_backend("numpy").dot(t, t)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    _j: ab.Backend[jax.Array] = be  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
