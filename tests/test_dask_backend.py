"""The Dask backend: lazy results, checks from metadata, planned chunks, no implicit copies."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Any, cast

import numpy as np
import pytest

import arraybackend as ab
from arraybackend import _registry
from arraybackend.backends._lazy import BUILTINS

pytest.importorskip("dask.array", reason="needs dask: pip install 'arraybackend[dask]'")

import dask
import dask.array as da
from dask.core import get_dependencies

from arraybackend.backends import _dask_graph
from arraybackend.backends.dask import DaskBackend, info_lines

HostArray = np.ndarray[Any, np.dtype[Any]]


@pytest.fixture
def be() -> DaskBackend:
    return ab.get_backend("dask")


def _refuse(*args: object, **kwargs: object) -> object:
    raise AssertionError("something was computed")


@pytest.fixture
def nothing_computes() -> Iterator[None]:
    """Any compute in the block fails the test: dask's scheduler is one that refuses."""
    with dask.config.set(scheduler=_refuse):
        yield


@pytest.fixture
def matmul_spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """The chunks of the operands each product hands to its graph builder."""
    seen: list[tuple[Any, Any]] = []
    real: Callable[[Any, Any], Any] = _dask_graph.accumulated_matmul

    def spy(x: Any, w: Any) -> Any:
        seen.append((x.chunks, w.chunks))
        return real(x, w)

    monkeypatch.setattr(_dask_graph, "accumulated_matmul", spy)
    return seen


def _host(*shape: int, dtype: Any = np.float64) -> HostArray:
    return np.arange(1, np.prod(shape) + 1, dtype=dtype).reshape(shape) % 7


# -- registration and the contract ----------------------------------------------------


def test_registered_through_the_entry_point(be: DaskBackend) -> None:
    assert "dask" not in BUILTINS
    names = {ep.name: ep.value for ep in entry_points(group=_registry.ENTRY_POINT_GROUP)}
    assert names["dask"] == "arraybackend.backends._lazy:dask"
    assert "dask" in ab.available_backends()
    typed: ab.Backend[da.Array] = be  # the static proof (mypy and pyright check this line)
    assert typed is be
    assert isinstance(be, ab.Backend)
    assert be.name == "dask"
    assert ab.backend_of(be.asarray(np.ones(2))) is be


def test_import_arraybackend_does_not_import_dask() -> None:
    code = "import sys, arraybackend as ab; ab.known_backends(); print('dask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_options_are_checked() -> None:
    assert DaskBackend(block_size="1MiB").block_size == 2**20
    assert DaskBackend(block_size=4096).planned_block_size() == 4096
    with pytest.raises(ab.ArgumentError, match="block_size='lots' is not a size"):
        DaskBackend(block_size="lots")
    with pytest.raises(ab.ArgumentError, match="positive int"):
        DaskBackend(block_size=0)
    with pytest.raises(ab.ArgumentError, match="the dask backend has no devices"):
        ab.get_backend("dask", device="cuda")


def test_default_block_size_is_dasks_chunk_size(be: DaskBackend) -> None:
    assert be.planned_block_size() == 128 * 2**20
    with dask.config.set({"array.chunk-size": "1MiB"}):
        assert be.planned_block_size() == 2**20


# -- lazy results ---------------------------------------------------------------------


def test_results_are_lazy_and_to_numpy_computes(be: DaskBackend) -> None:
    x, w = be.asarray(_host(4, 3), chunks=2), be.asarray(_host(3, 5), chunks=2)
    with dask.config.set(scheduler=_refuse):
        z = be.matrix_multiply(x, w)
        t = be.transpose(z)
        d = be.dot(be.asarray([1.0, 2.0]), be.asarray([3.0, 4.0]))
        with pytest.raises(AssertionError, match="computed"):
            be.to_numpy(z)  # to_numpy runs on the configured scheduler
    assert isinstance(z, da.Array)
    assert isinstance(t, da.Array)
    np.testing.assert_array_equal(be.to_numpy(z), _host(4, 3) @ _host(3, 5))
    np.testing.assert_array_equal(be.to_numpy(t), (_host(4, 3) @ _host(3, 5)).T)
    assert isinstance(d, da.Array)
    assert d.shape == ()  # a 0-d dask array, not a number
    assert be.to_numpy(d).shape == ()
    assert float(be.to_numpy(d)) == 11.0


def test_transpose_axes(be: DaskBackend) -> None:
    host = _host(2, 3, 4)
    x = be.asarray(host, chunks=2)
    np.testing.assert_array_equal(be.to_numpy(be.transpose(x)), host.T)
    np.testing.assert_array_equal(
        be.to_numpy(be.transpose(x, (1, -1, 0))), np.transpose(host, (1, 2, 0))
    )
    with pytest.raises(ab.ShapeError, match="not a permutation"):
        be.transpose(x, (0, 0, 1))


# -- every check from metadata, before any graph ----------------------------------------


@pytest.mark.usefixtures("nothing_computes")
@pytest.mark.parametrize(
    ("op", "x", "w", "error", "message"),
    [
        ("matrix_multiply", (4, 2), (3, 3), ab.ShapeError, r"x \(4, 2\) @ w \(3, 3\)"),
        ("matrix_multiply", (2, 2, 3), (3, 3, 4), ab.ShapeError, "do not broadcast"),
        ("matrix_multiply", (), (3,), ab.ShapeError, "0-d"),
        ("dot", (2, 2, 2), (2, 2), ab.ShapeError, "rank 3"),
        ("dot", (3,), (4,), ab.ShapeError, r"u \(3,\) @ v \(4,\)"),
    ],
)
def test_shape_errors_before_any_compute(
    be: DaskBackend,
    op: str,
    x: tuple[int, ...],
    w: tuple[int, ...],
    error: type[Exception],
    message: str,
) -> None:
    # asarray refuses 0-d data, so a 0-d dask array comes from a reduction
    a = be.asarray(np.ones(x)) if x else be.asarray(np.ones(1)).sum()
    b = be.asarray(np.ones(w))
    with pytest.raises(error, match=message):
        getattr(be, op)(a, b)


@pytest.mark.usefixtures("nothing_computes")
def test_dtype_errors_before_any_compute(be: DaskBackend) -> None:
    flags = be.asarray(np.ones((2, 2), dtype=bool))
    with pytest.raises(ab.DTypeError, match="both bool"):
        be.matrix_multiply(flags, flags)
    mixed = be.matrix_multiply(flags, be.asarray(np.ones((2, 2), dtype=np.int64)))
    assert mixed.dtype == np.int64  # bool @ int64 -> int64, as NumPy


def test_unknown_chunk_sizes_name_compute_chunk_sizes(be: DaskBackend) -> None:
    v = be.asarray(np.arange(6.0), chunks=2)
    picked = v[v > 2]  # sizes unknown until computed
    matrix = be.asarray(np.ones((3, 2)))
    with dask.config.set(scheduler=_refuse), pytest.raises(ab.ShapeError) as info:
        be.dot(picked, matrix)
    assert "u has unknown chunk sizes (shape (nan,))" in str(info.value)
    assert "u.compute_chunk_sizes()" in str(info.value)
    assert be.to_numpy(be.dot(picked.compute_chunk_sizes(), matrix)).tolist() == [
        12.0,
        12.0,
    ]  # 3 + 4 + 5
    assert be.transpose(picked).shape == picked.shape  # a transpose needs only the rank


# -- no implicit conversions ----------------------------------------------------------


@pytest.mark.parametrize("arg", ["x", "w"])
def test_numpy_operand_is_refused_naming_asarray_with_chunks(be: DaskBackend, arg: str) -> None:
    mine, host = be.asarray(np.ones((2, 2))), np.ones((2, 2))
    operands = (host, mine) if arg == "x" else (mine, host)
    with pytest.raises(ab.BackendMismatchError) as info:
        be.matrix_multiply(*operands)  # type: ignore[call-overload,arg-type,unused-ignore]  # pyright: ignore[reportArgumentType]
    assert f"be.asarray({arg}, chunks=...)" in str(info.value)


def test_other_refusals(be: DaskBackend) -> None:
    x = be.asarray(np.ones((2, 2)))
    with pytest.raises(ab.ArrayTypeError, match="a list"):
        be.matrix_multiply(x, [[1.0, 2.0], [3.0, 4.0]])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.BackendMismatchError):
        be.transpose(np.ones((2, 2)))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.BackendMismatchError):
        be.to_numpy(np.ones((2, 2)))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ab.BackendMismatchError):
        ab.get_backend("numpy").matrix_multiply(x, x)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


# A stand-in for a GPU library: dask reads the chunk type from ``_meta`` alone.
# NumPy memory that names itself cupy.ndarray (its class as the backend reads it): stands in
# for CuPy chunks where there is no GPU.
FakeChunk = type("ndarray", (np.ndarray,), {"__module__": "cupy._core.core"})


def test_chunks_of_another_library_are_a_mismatch(be: DaskBackend) -> None:
    fake = da.from_array(np.ones((2, 2)).view(FakeChunk), chunks=1, asarray=False)
    plain = be.asarray(np.ones((2, 2)))
    with dask.config.set(scheduler=_refuse), pytest.raises(ab.BackendMismatchError) as info:
        be.matrix_multiply(plain, fake)
    message = str(info.value)
    assert "w is on cupy chunks (device memory)" in message
    assert "numpy chunks, as x's are" in message


def _gpu_reason() -> str | None:
    try:
        import cupy

        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # not installed, no driver, no device: all mean "skip"
        return f"needs CuPy and a GPU: {type(err).__name__}: {err}"
    return None if count else "needs CuPy and a GPU: no CUDA device"


@pytest.mark.skipif(_gpu_reason() is not None, reason=str(_gpu_reason()))
def test_cupy_chunks_with_real_cupy(be: DaskBackend) -> None:
    import cupy

    gpu = cupy.asarray(np.arange(6.0).reshape(2, 3))
    on_gpu = be.asarray(gpu, chunks=1)
    assert type(on_gpu._meta).__module__.startswith("cupy")
    z = be.matrix_multiply(on_gpu, be.transpose(on_gpu))
    host = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(be.to_numpy(z), host @ host.T)
    with pytest.raises(ab.BackendMismatchError, match="cupy chunks"):
        be.matrix_multiply(be.asarray(np.ones((2, 2))), on_gpu[:, :2])


# -- chunks are planned -----------------------------------------------------------------


def test_different_contraction_chunks_get_one_chunking(
    be: DaskBackend, matmul_spy: list[tuple[Any, Any]]
) -> None:
    x = be.asarray(_host(4, 6), chunks=((2, 2), (2, 4)))
    w = be.asarray(_host(6, 3), chunks=((3, 1, 2), (3,)))
    z = be.matrix_multiply(x, w)
    ((xc, wc),) = matmul_spy
    assert xc[-1] == wc[0] == (2, 4)  # the larger operand's chunking; dask would use (2, 1, 1, 2)
    assert xc[0] == (2, 2)  # axes nobody shares are kept
    np.testing.assert_array_equal(be.to_numpy(z), _host(4, 6) @ _host(6, 3))


def test_uneven_chunks_that_agree_are_kept(
    be: DaskBackend, matmul_spy: list[tuple[Any, Any]]
) -> None:
    x = be.asarray(_host(5, 7), chunks=((1, 4), (3, 1, 3)))
    w = be.asarray(_host(7, 2), chunks=((3, 1, 3), (1, 1)))
    z = be.matrix_multiply(x, w)
    assert matmul_spy == [(x.chunks, w.chunks)]
    np.testing.assert_array_equal(be.to_numpy(z), _host(5, 7) @ _host(7, 2))


def test_blocks_larger_than_the_block_size_are_split(matmul_spy: list[tuple[Any, Any]]) -> None:
    be = DaskBackend(block_size=16 * 8)  # 16 float64 elements a block
    x = be.asarray(_host(8, 8), chunks=-1)
    z = be.matrix_multiply(x, x)
    ((xc, wc),) = matmul_spy
    for chunks in (xc, wc):
        assert max(chunks[0]) * max(chunks[1]) <= 16
    assert xc[1] == wc[0]
    np.testing.assert_array_equal(be.to_numpy(z), _host(8, 8) @ _host(8, 8))


def test_each_output_block_is_one_chain_of_three_block_tasks(be: DaskBackend) -> None:
    # Blocks are planned three to a task: x's, w's and the output block the product is
    # added to. da.matmul would make a partial product per block triple and sum them.
    x = be.asarray(_host(20, 40), chunks=5)  # 8 blocks along the contraction
    w = be.asarray(_host(40, 15), chunks=5)
    z = be.matrix_multiply(x, w)
    graph = dict(z.__dask_graph__())
    ours = [key for key in graph if key[0].startswith(("matmul-accumulate", "matmul-partial"))]
    assert len(ours) == 4 * 3 * 8  # one task per block triple, no sums
    inputs = {key: get_dependencies(graph, key) for key in ours}
    assert max(map(len, inputs.values())) == 3  # an x block, a w block, the chain so far
    partials = [dep for deps in inputs.values() for dep in deps if dep[0].startswith("matmul-p")]
    assert len(partials) == len(set(partials)) == 4 * 3 * 7  # each read once, by the next
    np.testing.assert_array_equal(be.to_numpy(z), _host(20, 40) @ _host(40, 15))


def test_batches_broadcast_with_planned_chunks(matmul_spy: list[tuple[Any, Any]]) -> None:
    be = DaskBackend(block_size=8 * 8)
    hx, hw = _host(3, 1, 4, 5), _host(2, 5, 3)
    z = be.matrix_multiply(be.asarray(hx, chunks=(1, 1, 2, 5)), be.asarray(hw, chunks=(2, 3, 1)))
    ((xc, wc),) = matmul_spy
    assert xc[-1] == wc[-2]
    assert z.shape == (3, 2, 4, 3)
    np.testing.assert_array_equal(be.to_numpy(z), hx @ hw)


# -- out= works on the graph ---------------------------------------------------------------


def test_out_becomes_the_product_without_computing(be: DaskBackend) -> None:
    x, w = be.asarray(_host(3, 4), chunks=2), be.asarray(_host(4, 2), chunks=3)
    out = be.asarray(np.zeros((3, 2), dtype=np.float32), chunks=1)
    with dask.config.set(scheduler=_refuse):
        result = be.matrix_multiply(x, w, out=out)
    assert result is out
    assert out.dtype == np.float32  # cast 'same_kind', as NumPy
    np.testing.assert_array_equal(be.to_numpy(out), (_host(3, 4) @ _host(4, 2)).astype(np.float32))


def test_out_may_be_an_operand(be: DaskBackend) -> None:
    x = be.asarray(_host(3, 3), chunks=2)
    be.matrix_multiply(x, x, out=x)
    np.testing.assert_array_equal(be.to_numpy(x), _host(3, 3) @ _host(3, 3))


def test_out_is_checked(be: DaskBackend) -> None:
    x = be.asarray(_host(2, 2))
    with pytest.raises(ab.DTypeError, match="same_kind"):
        be.matrix_multiply(x, x, out=be.asarray(np.zeros((2, 2), dtype=np.int64)))
    with pytest.raises(ab.ShapeError, match="out has shape"):
        be.matrix_multiply(x, x, out=be.asarray(np.zeros((2, 3))))
    with pytest.raises(ab.BackendMismatchError, match="out"):
        be.matrix_multiply(x, x, out=np.zeros((2, 2)))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


# -- conversions -----------------------------------------------------------------------


def test_asarray_copies_and_to_numpy_is_independent(be: DaskBackend) -> None:
    host = _host(2, 3)
    x = be.asarray(host, chunks=-1)
    host[0, 0] = 100.0
    first = be.to_numpy(x)
    assert first[0, 0] == 1.0  # later changes to the host array never reach x
    first[0, 0] = 200.0
    assert be.to_numpy(x)[0, 0] == 1.0  # nor do changes to what to_numpy returned
    assert be.asarray(x) is x
    assert be.asarray(x, dtype=np.float32).dtype == np.float32
    assert be.asarray(x, chunks=1).numblocks == (2, 3)


def test_asarray_refuses_what_numpy_refuses(be: DaskBackend) -> None:
    with pytest.raises(ab.DTypeError):
        be.asarray(np.array(["a", "b"]))
    with pytest.raises(ab.ShapeError, match="0-d"):
        be.asarray(np.float64(1.0))
    with pytest.raises(ab.DTypeError, match="not numeric"):
        be.asarray(be.asarray(np.ones(2)), dtype=np.str_)
    with pytest.raises(ab.ShapeError, match="0-d"):
        be.asarray(be.asarray(np.ones(2)).sum())


def test_info_lines_without_a_client() -> None:
    lines = info_lines()
    assert lines[0].startswith(f"dask {dask.__version__}, distributed ")
    assert "no distributed.Client is active" in lines[1]
    assert lines[2] == "block size for products: 128.00 MiB"


# -- asarray's dtype and chunks, and chunks of other array types (a hostile pass) ----------


@pytest.mark.parametrize("dtype", ["foo", 3.5])
def test_asarray_with_a_dtype_numpy_does_not_know_is_a_dtype_error(
    be: DaskBackend, dtype: Any
) -> None:
    # It was NumPy's TypeError for host data (a dask array already got DTypeError).
    with pytest.raises(ab.DTypeError, match="is not a dtype NumPy knows"):
        be.asarray([1.0, 2.0], dtype=dtype)


@pytest.mark.parametrize("chunks", [0, "foo", None, 1.5, ((1,),)])
def test_asarray_with_chunks_dask_cannot_use_is_an_argument_error(
    be: DaskBackend, chunks: Any
) -> None:
    # dask's own ZeroDivisionError and ValueErrors came out bare.
    with pytest.raises(ab.ArgumentError, match=r"chunks=.* is not a chunking dask can use"):
        be.asarray([1.0, 2.0], chunks=chunks)
    with pytest.raises(ab.ArgumentError, match=r"chunks=.* is not a chunking dask can use"):
        be.asarray(be.asarray([1.0, 2.0]), chunks=chunks)


def test_rechunking_unknown_chunk_sizes_names_compute_chunk_sizes(be: DaskBackend) -> None:
    x = be.asarray(np.arange(6.0), chunks=2)
    with pytest.raises(ab.ShapeError, match=r"compute_chunk_sizes\(\)"):
        be.asarray(x[x > 2.0], chunks=1)
    assert be.asarray(x[x > 2.0]) is not None  # without rechunking, taken as it is


def test_chunks_that_are_not_numpy_arrays_are_refused_before_any_graph(be: DaskBackend) -> None:
    # A masked array's product gave a mask that depended on the chunking, and to_numpy of
    # sparse-matrix chunks returned a 0-d object array: refused at once now.
    x = be.asarray(np.arange(12.0).reshape(4, 3), chunks=2)
    w = be.asarray(np.ones((3, 2)), chunks=2)
    masked: da.Array = cast(Any, x).map_blocks(np.ma.masked_greater, 5.0)
    match = r"dask array of numpy\.ma\.MaskedArray chunks.*NumPy \(or CuPy\) chunks"
    calls: list[Callable[[], object]] = [
        lambda: be.matrix_multiply(masked, w),
        lambda: be.matrix_multiply(x, w, out=masked[:, :2]),
        lambda: be.dot(w.T, masked.T),
        lambda: be.transpose(masked),
        lambda: be.asarray(masked),
        lambda: be.to_numpy(masked),
    ]
    for call in calls:
        with pytest.raises(ab.ArrayTypeError, match=match):
            call()
