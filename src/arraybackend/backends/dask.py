"""The Dask backend: lazy products of ``dask.array.Array``, on one machine or a cluster.

Every operation returns a lazy dask array: nothing computes until the caller asks
(``to_numpy``, ``x.compute()``, ``x.persist()``, ``da.store``). Everything is checked from
metadata before a graph is built: types, the library of the chunks (``_meta``), unknown
(NaN) chunk sizes, dtypes, ranks, inner and batch dimensions.

Chunks are planned, not left to chance. Dask intersects two different chunkings of the
contraction axis silently (the task graph explodes); here both operands get one common
chunking, and blocks are sized so that the worker process and about three of them fit in
60 % of a worker's memory limit (``_dask_chunks``). The block size is ``DaskBackend(block_size=...)`` when
given; otherwise it is planned from the workers of the active ``distributed.Client``, and
without one it is dask's ``array.chunk-size`` (128 MiB unless configured).

The scheduler is whatever dask is configured with: the threaded scheduler on one machine
(no set-up), or the active ``distributed.Client``. On a cluster that is all it takes::

    from distributed import Client
    client = Client("tcp://host:8786")   # from now on every compute runs on the cluster

Nothing is converted implicitly: a NumPy array given to an operation is refused with
``BackendMismatchError`` (convert it with ``be.asarray(x, chunks=...)``), and so is a
product of a CuPy-chunked dask array with a NumPy-chunked one.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

import dask
import dask.array as da
import numpy as np
import numpy.typing as npt
from dask.utils import format_bytes, parse_bytes

from arraybackend.backends import _dask_graph
from arraybackend.backends._dask_chunks import (
    MIN_BLOCK_BYTES,
    block_bytes,
    plan_product,
)
from arraybackend.backends.numpy import NumPyBackend
from arraybackend.diagnostics import (
    NUMERIC_KINDS,
    Operand,
    device_mismatch,
    diagnose_product,
    foreign_array,
    rank_problem,
    resolve_dtype,
    transpose_axes,
)
from arraybackend.errors import (
    ArgumentError,
    ArrayBackendError,
    ArrayTypeError,
    BackendMismatchError,
    DTypeError,
    ShapeError,
)

if TYPE_CHECKING:
    import cupy

__all__ = ["ChunksLike", "DaskBackend", "info_lines"]

_NAME: Literal["dask"] = "dask"
_ARRAY_TYPE = "dask.array.Array"
# Host data is read (and checked) exactly as the NumPy backend reads it.
_HOST = NumPyBackend()
# dask.config "scheduler" values that mean "the active distributed.Client".
_DISTRIBUTED = (None, "dask.distributed", "distributed")

# Below about this memory limit a worker holds little more than itself (block_bytes floors).
_FLOOR = 256 * 2**20

#: What ``asarray(..., chunks=...)`` accepts: dask's own chunk specifications.
ChunksLike: TypeAlias = int | str | Sequence[int | str | Sequence[int]] | dict[int, int | str]


def _chunk_library(x: da.Array) -> str:
    """The library of ``x``'s chunks: ``"numpy"``, ``"cupy"``, ..."""
    return type(x._meta).__module__.partition(".")[0]


def _unsupported_chunks(op: str, arg: str, a: da.Array) -> ArrayTypeError | None:
    """Why ``a``'s chunks are not ones this backend computes on (NumPy or CuPy arrays; a
    subclass such as a masked array, sparse matrices, other libraries' tensors), or None."""
    meta = type(a._meta)
    if meta is np.ndarray or (_chunk_library(a) == "cupy" and meta.__name__ == "ndarray"):
        return None
    return ArrayTypeError(
        f"{op}: {arg} is a dask array of {meta.__module__}.{meta.__qualname__} chunks; the "
        f"dask backend computes on NumPy (or CuPy) chunks: convert them first, e.g. "
        f"{arg}.map_blocks(np.asarray) with a NumPy meta"
    )


def _unknown_sizes(op: str, arg: str, a: da.Array) -> ShapeError | None:
    """The error for an array whose chunk sizes are unknown (NaN in its shape), or None."""
    if not any(math.isnan(n) for n in a.shape):
        return None
    return ShapeError(
        f"{op}: {arg} has unknown chunk sizes (shape {a.shape!r}), so its shape cannot be "
        f"checked or rechunked; call {arg}.compute_chunk_sizes() first"
    )


def _where(library: str) -> str:
    return "host" if library == "numpy" else "device"


def _active_client() -> Any:
    """The ``distributed.Client`` computes go to, or None (never imports distributed)."""
    if "distributed" not in sys.modules or dask.config.get("scheduler", None) not in _DISTRIBUTED:
        return None
    try:
        return sys.modules["distributed"].default_client()
    except ValueError:  # no client
        return None


def _workers(client: Any) -> list[tuple[int, int]]:
    """``(memory_limit, nthreads)`` of each worker of ``client`` (limit 0: unlimited)."""
    info: dict[str, Any] = client.scheduler_info(n_workers=-1)
    workers: dict[str, dict[str, Any]] = info.get("workers", {})
    return [
        (int(w.get("memory_limit") or 0), int(w.get("nthreads") or 1)) for w in workers.values()
    ]


def _planned(workers: list[tuple[int, int]] | None) -> int:
    """The block size for these workers: the smallest worker's, or dask's chunk size."""
    limited = [] if workers is None else [w for w in workers if w[0] > 0]
    if limited:
        return min(block_bytes(limit, threads=threads) for limit, threads in limited)
    return parse_bytes(dask.config.get("array.chunk-size"))


def _foreign(op: str, arg: str, a: object) -> ArrayBackendError:
    err = foreign_array(op, arg, a, backend=_NAME, array_type=_ARRAY_TYPE)
    if isinstance(err, BackendMismatchError):
        return BackendMismatchError(f"{err}: be.asarray({arg}, chunks=...) also chooses its chunks")
    return err


def read_operand(op: str, arg: str, a: object) -> Operand:
    """A dask array of known chunk sizes as an ``Operand``, or the error for anything else."""
    if not isinstance(a, da.Array):
        raise _foreign(op, arg, a)
    # (_problem has refused chunks other than NumPy's or CuPy's before this runs.)
    if (unknown := _unknown_sizes(op, arg, a)) is not None:
        raise unknown
    return Operand(arg, _shape(a), np.dtype(a.dtype))


def _problem(op: str, operands: dict[str, object]) -> ArrayBackendError | None:
    """What is wrong with these operands (``out`` last, if given), or None.

    The order is the NumPy reference's (shared ``diagnose_product``), after the check only
    Dask needs: every operand's chunks of one library.
    """
    arrays: dict[str, da.Array] = {}
    for arg, a in operands.items():
        if not isinstance(a, da.Array):
            return _foreign(op, arg, a)
        if (unsupported := _unsupported_chunks(op, arg, a)) is not None:
            return unsupported
        arrays[arg] = a
    (x_name, x), (w_name, w) = list(arrays.items())[:2]
    library = _chunk_library(x)
    for arg, a in arrays.items():
        if (other := _chunk_library(a)) != library:
            convert = "cupy.asnumpy" if other == "cupy" else f"{library}.asarray"
            return device_mismatch(
                op,
                arg,
                found=f"{other} chunks ({_where(other)} memory)",
                expected=f"{library} chunks, as {x_name}'s are",
                copy=f"{arg}.map_blocks({convert})",
                other=f"{x_name} with chunks of {other}",
            )
    return diagnose_product(op, read_operand, (x_name, x), (w_name, w), arrays.get("out"))


def _chunked(
    op: str, shape: tuple[Any, ...], make: Callable[[], da.Array], chunks: object
) -> da.Array:
    """``make()``, with dask's refusal of ``chunks`` as an ``ArgumentError``."""
    try:
        return make()
    except (ValueError, TypeError, ZeroDivisionError) as err:
        reason = f"{type(err).__name__}: {str(err).splitlines()[0]}"
        msg = (
            f"{op}: chunks={chunks!r} is not a chunking dask can use for shape {shape!r} "
            f"({reason}); pass 'auto', a block side (int), a byte size such as '64MiB', or "
            f"per axis the block sizes, which add up to its length"
        )
        raise ArgumentError(msg) from None


def _shape(x: da.Array) -> tuple[int, ...]:
    return tuple(int(s) for s in x.shape)


class DaskBackend:
    """Lazy dask arrays, computed by dask's configured scheduler or ``distributed.Client``.

    Parameters
    ----------
    block_size
        The most bytes one block of a product may hold: an int, or a string dask reads
        (``"64MiB"``). None (the default) plans it for each product from the smallest
        worker memory limit of the active ``distributed.Client``: the worker process
        (``WORKER_RESERVE``, 100 MiB) and three blocks per thread in 60 % of the limit;
        without a client (or with unlimited workers), dask's ``array.chunk-size``
        (128 MiB unless configured).
    device
        Dask arrays have no device of their own (their chunks' library decides, see
        ``asarray``): only None is accepted.

    Examples
    --------
    >>> import numpy as np
    >>> import arraybackend as ab
    >>> be = ab.get_backend("dask")
    >>> x = be.asarray(np.array([[1.0, 2.0], [3.0, 4.0]]), chunks=1)
    >>> z = be.matrix_multiply(x, be.transpose(x))  # lazy: nothing computed yet
    >>> be.to_numpy(z)
    array([[ 5., 11.],
           [11., 25.]])
    """

    __slots__ = ("_block_size",)

    # No device: a dask array's chunks decide where it lives (NumPy chunks on the host,
    # CuPy chunks on a GPU); get_backend("dask", device=...) is refused by the registry.
    def __init__(self, *, block_size: int | str | None = None) -> None:
        size: object = block_size
        if isinstance(size, str):
            try:
                size = parse_bytes(size)
            except ValueError as err:
                msg = f"DaskBackend: block_size={block_size!r} is not a size; pass e.g. '64MiB'"
                raise ArgumentError(msg) from err
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):  # pyright: ignore[reportUnnecessaryIsInstance]
            msg = f"DaskBackend: block_size must be a positive int of bytes, a size such as '64MiB' or None, got {block_size!r}"
            raise ArgumentError(msg)
        self._block_size: int | None = size

    @property
    def name(self) -> Literal["dask"]:
        """``"dask"``."""
        return _NAME

    @property
    def block_size(self) -> int | None:
        """The ``block_size`` given, or None when each product plans its own."""
        return self._block_size

    def __repr__(self) -> str:
        size = None if self._block_size is None else format_bytes(self._block_size)
        return f"DaskBackend(block_size={size!r})"

    def planned_block_size(self) -> int:
        """The bytes one block of a product may hold now (see ``block_size``)."""
        if self._block_size is not None:
            return self._block_size
        client = _active_client()
        return _planned(None if client is None else _workers(client))

    def _product(self, op: str, operands: dict[str, object]) -> da.Array:
        problem = _problem(op, operands)
        if problem is not None:
            raise problem
        # All are dask arrays of known sizes now (_problem), so chunk sizes are ints.
        x, w, *rest = (a for a in operands.values() if isinstance(a, da.Array))
        result = np.result_type(x.dtype, w.dtype)
        itemsize = max(x.dtype.itemsize, w.dtype.itemsize, result.itemsize)
        elements = self.planned_block_size() // itemsize
        xc, wc = plan_product(
            _dask_graph.int_chunks(x), _dask_graph.int_chunks(w), elements=elements
        )
        x = x if xc is None else x.rechunk(xc)
        w = w if wc is None else w.rechunk(wc)
        # One accumulating chain per output block (_dask_graph), not da.matmul's partial
        # products and their sums: out of core, those spill to disk. A vector is a one-row
        # (or one-column) matrix there, and that axis is dropped after.
        z = _dask_graph.accumulated_matmul(
            x[None, :] if x.ndim == 1 else x, w[:, None] if w.ndim == 1 else w
        )
        if w.ndim == 1:
            z = z[..., 0]
        if x.ndim == 1:
            z = z[..., 0] if w.ndim == 1 else z[..., 0, :]
        if not rest:
            return z
        # out= works on the graph: out becomes the product (cast 'same_kind', checked
        # above) and is returned; nothing is computed, and x or w may be out itself.
        out = rest[0]
        if 0 in out.shape:
            return out  # nothing to write (and dask's setitem refuses empty assignments)
        out[...] = z if z.dtype == out.dtype else z.astype(out.dtype)
        return out

    def matrix_multiply(
        self, x: da.Array, w: da.Array, /, *, out: da.Array | None = None
    ) -> da.Array:
        """``x @ w`` with ``np.matmul`` semantics, lazily; vector @ vector is a 0-d array.

        ``out``, when given, is a dask array that becomes the product: its graph is replaced
        by ``x @ w`` cast to its dtype (NumPy's 'same_kind' rule), and it is returned. Nothing
        is computed either way.

        Raises
        ------
        ShapeError
            A 0-d operand, different inner dimensions, batch dimensions that do not
            broadcast, an ``out`` of the wrong shape, or unknown (NaN) chunk sizes.
        DTypeError
            ``bool @ bool``, a non-numeric dtype, or a result ``out`` cannot hold.
        ArrayTypeError
            An operand that is not a dask array; ``BackendMismatchError`` if it is a NumPy
            (or other library's) array, or a dask array whose chunks are of another library.
        """
        operands: dict[str, object] = {"x": x, "w": w}
        if out is not None:
            operands["out"] = out
        return self._product("matrix_multiply", operands)

    def transpose(self, x: da.Array, /, axes: Sequence[int] | None = None) -> da.Array:
        """``x`` with its axes reversed (as NumPy's ``x.T``) or permuted by ``axes``, lazily."""
        if not isinstance(x, da.Array):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise _foreign("transpose", "x", x)
        if (unsupported := _unsupported_chunks("transpose", "x", x)) is not None:
            raise unsupported
        # Unknown sizes (NaN) do not matter to a transpose: only the rank is checked.
        order = transpose_axes(cast("tuple[int, ...]", x.shape), axes)
        return x.T if axes is None else x.transpose(*order)

    def dot(self, u: da.Array, v: da.Array, /) -> da.Array:
        """``np.dot`` for vectors and matrices, lazily; vector . vector is a 0-d dask array.

        Operands of rank 3 or more raise ``ShapeError``: use ``matrix_multiply`` for stacks.
        """
        # For ranks 1 and 2 np.dot is np.matmul, so one planned path serves both.
        return self._product("dot", {"u": u, "v": v})

    def asarray(
        self,
        obj: da.Array | npt.ArrayLike | cupy.ndarray[Any, Any],
        /,
        *,
        chunks: ChunksLike = "auto",
        dtype: npt.DTypeLike | None = None,
    ) -> da.Array:
        """``obj`` as a dask array of ``chunks`` (dask's ``chunks=`` of ``da.from_array``).

        Host data (a NumPy array, nested lists) is checked as the NumPy backend checks it
        and copied once, so later changes to ``obj`` never reach the dask array. A CuPy
        array becomes a dask array of CuPy chunks (on its GPU). A dask array is returned as
        it is, rechunked or cast only when ``chunks`` or ``dtype`` ask for it.
        """
        if isinstance(obj, da.Array):
            if (unsupported := _unsupported_chunks("asarray", "obj", obj)) is not None:
                raise unsupported
            target = obj.dtype if dtype is None else resolve_dtype("asarray", dtype)
            if target.kind not in NUMERIC_KINDS:
                raise DTypeError(
                    f"asarray: the dtype would be {str(target)!r}, which is not numeric; pass "
                    f"dtype=np.float64 or another integer, floating or complex dtype"
                )
            if not obj.ndim:
                raise rank_problem("asarray", "obj", ()) or AssertionError
            if target != obj.dtype:
                obj = obj.astype(target)
            if isinstance(chunks, str) and chunks == "auto":
                return obj
            if (unknown := _unknown_sizes("asarray", "obj", obj)) is not None:
                raise unknown
            return _chunked("asarray", obj.shape, lambda: obj.rechunk(chunks), chunks)
        cupy = sys.modules.get("cupy")
        if cupy is not None and isinstance(obj, cupy.ndarray):
            device: Any = cupy.array(obj, dtype=dtype, copy=True)
            _HOST.asarray(np.empty((1,) * device.ndim, device.dtype))  # numeric, not 0-d
            return da.from_array(device, chunks=chunks, asarray=False)
        wanted = None if dtype is None else resolve_dtype("asarray", dtype)
        data = cast("npt.ArrayLike", obj)  # not a dask or CuPy array (handled above)
        read = _HOST.asarray(data) if wanted is None else _HOST.asarray(data, dtype=wanted)
        host = np.array(read, copy=True)
        # Read-only: no task can change it, and to_numpy knows to copy what aliases it.
        host.setflags(write=False)
        return _chunked("asarray", host.shape, lambda: da.from_array(host, chunks=chunks), chunks)

    def to_numpy(self, x: da.Array, /) -> np.ndarray[tuple[Any, ...], np.dtype[Any]]:
        """``x`` computed (by the configured scheduler or client) into a new host array."""
        if not isinstance(x, da.Array):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise _foreign("to_numpy", "x", x)
        if (unsupported := _unsupported_chunks("to_numpy", "x", x)) is not None:
            raise unsupported
        value: Any = x.compute()
        if _chunk_library(x) != "numpy" and hasattr(value, "get"):
            value = value.get()  # CuPy chunks: the device -> host copy asked for
        host: np.ndarray[tuple[Any, ...], np.dtype[Any]] = np.asarray(value)
        # A view of a chunk, or a read-only array from the graph, is copied: changing the
        # result must never change the dask array.
        if not host.flags.owndata or not host.flags.writeable:
            host = host.copy()
        return host


def info_lines() -> list[str]:
    """What ``arraybackend info`` shows for Dask: versions, scheduler, workers, block size."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        distributed = f"distributed {version('distributed')}"
    except PackageNotFoundError:
        distributed = 'distributed not installed (pip install "arraybackend[dask]")'
    lines = [f"dask {dask.__version__}, {distributed}"]
    client = _active_client()
    owned = None
    address = dask.config.get("scheduler-address", None)
    if client is None and address is not None and "not installed" not in distributed:
        try:
            client = owned = importlib.import_module("distributed").Client(
                address, timeout=3, set_as_default=False
            )
        except (OSError, TimeoutError) as err:
            lines.append(f"scheduler {address} (dask config scheduler-address): unreachable: {err}")
    workers = None
    if client is None:
        scheduler = dask.config.get("scheduler", None) or "threads"
        lines.append(f"scheduler: {scheduler} on this machine (no distributed.Client is active)")
    else:
        workers = _workers(client)
        limits = sorted({limit for limit, _ in workers})
        memory = ", ".join(format_bytes(m) if m else "unlimited" for m in limits) or "none"
        threads = sum(t for _, t in workers)
        lines.append(
            f"scheduler {client.scheduler.address}: {len(workers)} workers, {threads} threads, "
            f"memory per worker {memory}"
        )
        if owned is not None:
            owned.close()
    block = _planned(workers)
    line = f"block size for products: {format_bytes(block)}"
    if workers is not None and block == MIN_BLOCK_BYTES:
        line += (
            f" (the smallest: the workers' memory limit leaves no room beyond the worker "
            f"process; give each worker at least {format_bytes(_FLOOR)})"
        )
    lines.append(line)
    return lines
