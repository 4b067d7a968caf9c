"""``assert_parity``: the same code on the reference and on a backend must agree."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard, cast

import numpy as np

from arraybackend._protocol import Backend, SupportsAsarray
from arraybackend.errors import ArrayBackendError
from arraybackend.testing._exact import HostArray, check_product
from arraybackend.testing._report import ParityError, ParityResult

__all__ = ["assert_parity", "reference_backend"]


_NDARRAY: type[HostArray] = np.ndarray


# TypeGuards rather than isinstance: narrowing an ``object`` with isinstance(np.ndarray)
# gives pyright ``ndarray[Unknown, Unknown]``.
def _is_host(x: object) -> TypeGuard[HostArray]:
    return isinstance(x, np.ndarray)


def _is_scalar(x: object) -> TypeGuard[np.generic[Any]]:
    return isinstance(x, np.generic)


def reference_backend() -> Backend[Any]:
    """The NumPy backend, which every other backend is compared with."""
    from arraybackend._registry import get_backend

    return get_backend("numpy")


def _convert(backend: Backend[Any], arg: object) -> object:
    if _is_host(arg) and isinstance(backend, SupportsAsarray):
        converted: object = cast("SupportsAsarray[Any]", backend).asarray(arg)
        return converted
    return arg


def _snapshot(backend: Backend[Any], args: tuple[object, ...]) -> list[HostArray | None]:
    """Host copies of the array arguments, to prove afterwards that none was mutated."""
    copies: list[HostArray | None] = []
    for a in args:
        try:
            copies.append(np.array(backend.to_numpy(a), copy=True, order="C"))
        except ArrayBackendError:
            copies.append(None)
    return copies


def _first_change(old: HostArray, new: HostArray) -> str:
    """Where ``new`` differs from ``old`` byte for byte, and how (both C-contiguous)."""
    if new.shape != old.shape or new.dtype != old.dtype:
        return f"now {new.dtype} {new.shape}, was {old.dtype} {old.shape}"
    items = (old.size, old.dtype.itemsize)
    differs = (old.view(np.uint8).reshape(items) != new.view(np.uint8).reshape(items)).any(1)
    where = tuple(int(i) for i in np.unravel_index(int(np.argmax(differs)), old.shape))
    was, now = repr(old[where]), repr(new[where])
    if was == now:  # a NaN payload: show the bits
        was, now = (f"0x{int.from_bytes(a[where].tobytes(), sys.byteorder):x}" for a in (old, new))
    return f"at {where}: {was} -> {now} (compared byte for byte)"


def _check_unmutated(
    backend: Backend[Any], args: tuple[object, ...], before: list[HostArray | None]
) -> None:
    # Bytes, not values: +0.0 -> -0.0 and a changed NaN payload keep array_equal.
    for i, (a, old) in enumerate(zip(args, before, strict=True)):
        if old is None:
            continue
        new = np.asarray(backend.to_numpy(a), order="C")
        if new.shape != old.shape or new.dtype != old.dtype or new.tobytes() != old.tobytes():
            change = _first_change(old, new)
            raise ParityError(f"{backend.name}: argument {i} was modified in place {change}")


def _run(
    fn: Callable[..., object],
    backend: Backend[Any],
    args: tuple[object, ...],
    catch: type[Exception] = ArrayBackendError,
) -> object:
    """``fn(backend, *args)``, or the exception it raised (of class ``catch``)."""
    before = _snapshot(backend, args)
    try:
        result: object = fn(backend, *args)
    except catch as err:
        _check_unmutated(backend, args, before)
        return err
    _check_unmutated(backend, args, before)
    return result


def _describe_outcome(outcome: object) -> str:
    if isinstance(outcome, BaseException):
        return f"raised {type(outcome).__name__}: {outcome}"
    return f"returned {type(outcome).__module__}.{type(outcome).__qualname__}"


def assert_parity(
    fn: Callable[..., object],
    /,
    *args: object,
    backend: Backend[Any],
    product: Callable[..., tuple[HostArray, HostArray]] | None = None,
    accumulate: Mapping[np.dtype[Any], np.dtype[Any]] | None = None,
) -> ParityResult:
    """Run ``fn`` on the reference and on ``backend``; both must agree.

    The calling convention: ``fn(be, *args)`` is called twice, first as
    ``fn(reference, *args)`` with the host arguments as given, then as
    ``fn(backend, *converted)`` where every ``numpy.ndarray`` argument was moved with
    ``backend.asarray`` (the backend must offer it); other arguments pass unchanged.

    Checked in this order, each failure with a one-line message: both succeed or both
    raise the same public error class (a subclass of ``ArrayBackendError``); no argument
    was modified in place; the result's array type (the backend's own array type; for a
    0-d result a NumPy scalar from the reference may be a 0-d array on the backend), dtype,
    shape and device (that of the first array argument); only then the values.

    Parameters
    ----------
    fn
        ``fn(backend, *args)``, e.g. ``lambda be, x, w: be.matrix_multiply(x, w)``.
    *args
        Host (NumPy) arrays and other arguments.
    backend
        The backend to compare with the NumPy reference.
    product
        ``product(*args) -> (x, w)``: the host factors whose product ``fn`` computes.
        With it, the reference's and the backend's values are each checked against the
        exact product within the floating-point error bound; without it the values must
        be identical (bit for bit, NaN equal to NaN), as for ``transpose``.
    accumulate
        Result dtype -> accumulation dtype (see ``DEFAULT_ACCUMULATE``).

    Returns
    -------
    ParityResult

    Raises
    ------
    ParityError
        The backend disagrees with the reference, or a result exceeds its error bound.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> from arraybackend.testing import assert_parity
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> r = assert_parity(lambda be, a: be.matrix_multiply(a, a), x,
    ...                   backend=ab.get_backend("numpy"), product=lambda a: (a, a))
    >>> r.backend.max_ratio
    0.0
    """
    reference = reference_backend()
    name = backend.name
    outcome = _run(fn, reference, args)
    converted = tuple(_convert(backend, a) for a in args)
    # Any exception from the backend is a finding to report (a ValueError where the
    # reference raises ShapeError); one from the reference is a bug in fn: it propagates.
    got = _run(fn, backend, converted, catch=Exception)
    if isinstance(outcome, BaseException) or isinstance(got, BaseException):
        if type(outcome) is not type(got):
            raise ParityError(
                f"{name}: outcome differs: reference {_describe_outcome(outcome)}; "
                f"{name} {_describe_outcome(got)}"
            )
        assert isinstance(got, ArrayBackendError)  # same class as the reference's
        return ParityResult(None, error=type(got))
    if not (_is_host(outcome) or _is_scalar(outcome)):
        raise ParityError(f"reference returned {type(outcome).__name__}, not an array")
    expected: HostArray = np.asarray(outcome)
    host = _check_meta(backend, converted, expected, got)
    if product is None:
        if not np.array_equal(host, expected, equal_nan=expected.dtype.kind in "fc"):
            diff = np.argwhere(~((host == expected) | (np.isnan(host) & np.isnan(expected))))
            where = tuple(int(i) for i in diff[0]) if diff.size else ()
            raise ParityError(
                f"{name}: values differ from the reference at {where}: "
                f"{host[where]!r} != {expected[where]!r}"
            )
        return ParityResult(str(expected.dtype))
    x, w = product(*args)
    ref_check = check_product(expected, x, w, accumulate=accumulate, who="reference")
    if host.tobytes() == expected.tobytes():  # C order both; dtype and shape are equal
        # The reference's values to the bit: the same check would give the same figures.
        return ParityResult(str(expected.dtype), reference=ref_check, backend=ref_check)
    be_check = check_product(
        host, x, w, reference=expected, accumulate=accumulate, who=f"{name} result"
    )
    return ParityResult(str(expected.dtype), reference=ref_check, backend=be_check)


def _check_meta(
    backend: Backend[Any], converted: tuple[object, ...], expected: HostArray, got: object
) -> HostArray:
    """Array type, dtype, shape, device of ``got``; returns it on the host."""
    name = backend.name
    result: object = got  # kept un-narrowed for the device check below
    arrays = [a for a in converted if hasattr(a, "shape") and hasattr(a, "dtype")]
    array_type: type[object] = type(arrays[0]) if arrays else _NDARRAY
    scalar = got if _is_scalar(got) else None
    zero_d_scalar = scalar is not None and array_type is _NDARRAY
    if not isinstance(got, array_type) and not zero_d_scalar:
        raise ParityError(
            f"{name}: result is {type(got).__module__}.{type(got).__qualname__}, "
            f"expected {array_type.__module__}.{array_type.__qualname__}"
        )
    host: HostArray = np.asarray(scalar) if zero_d_scalar else backend.to_numpy(got)
    if host.dtype != expected.dtype:
        raise ParityError(f"{name}: dtype {host.dtype} != reference dtype {expected.dtype}")
    if host.shape != expected.shape:
        raise ParityError(f"{name}: shape {host.shape} != reference shape {expected.shape}")
    if arrays and not zero_d_scalar:
        want: object = getattr(arrays[0], "device", None)
        have: object = getattr(result, "device", None)
        if want != have:
            raise ParityError(f"{name}: result on device {have!r}, inputs on {want!r}")
    return host
