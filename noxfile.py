"""Developer sessions: ``nox`` runs lint, typecheck and tests; ``nox -s bench`` the benchmarks."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2"
nox.options.default_venv_backend = "uv|virtualenv"
# Never fetch an interpreter: use the one nox runs under (downloads fail on these machines).
nox.options.download_python = "never"
nox.options.sessions = ["lint", "typecheck", "typing", "tests", "docs"]

TYPING_TOOLS = ["mypy==2.4.1", "pyright==1.1.414"]
# Strict typing needs numpy >= 2.3 (NDArray[T] has shape tuple[Any, ...] from 2.3 on: arrays of
# unknown rank fit the rank overloads); revealed types are checked on the newest for 3.11.
TYPING_NUMPY = "numpy>=2.3,<2.5"

# GPU sessions are default only where a GPU driver is installed (CI machines have none).
HAS_GPU = shutil.which("nvidia-smi") is not None
NO_GPU = "no NVIDIA GPU here (nvidia-smi not found): run it on a machine with one"
# The CuPy release typings/cupy was last checked against (nox -s stubtest).
CUPY_STUBTEST = "cupy-cuda12x==14.2.0"
# cupy-nogpu installs the real wheel and checks the diagnosis: 4-6 s with uv, cold cache
# included, so CI runs it; on a GPU machine it skips itself and parity(backend='cupy') runs.
nox.options.sessions.append("cupy-nogpu")
# The parity kit per backend (extras to install): CI runs the CPU ones, a GPU machine all.
PARITY_EXTRAS = {
    "numpy": "test",
    "array-api-strict": "test,array-api-strict,examples",  # + the digits training run
    "jax": "test,jax",
    "torch": "test,torch",
    "cupy": "test,cupy",
    "dask": "test,dask",
}
# PyTorch is not in CI: the Linux wheel on the registry pulls the CUDA libraries (GBs). The
# session installs this CPU wheel with pip (which reads PIP_FIND_LINKS / PIP_EXTRA_INDEX_URL:
# point one at a folder or index holding it); docs/parity-torch.txt is its committed output.
TORCH_CPU = "torch==2.13.0"
nox.options.sessions += [
    f"parity(backend={name!r})"
    for name in PARITY_EXTRAS
    if name != "torch" and (name != "cupy" or HAS_GPU)
]


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: lint and formatting check."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright (strict) on src, tests, examples, benchmarks and this file."""
    # Every optional module is checked, so its library must be importable (CuPy's types come
    # from typings/cupy instead: no 140 MB wheel here; JAX's are its own: ~80 MB of CPU
    # wheels). The bench extra (threadpoolctl, tqdm, matplotlib): the CLI and benchmarks;
    # examples: the digits example.
    session.install(
        "-e",
        ".[test,array-api-strict,bench,examples,jax]",
        *TYPING_TOOLS,
        TYPING_NUMPY,
        "nox",
        "types-tqdm",
    )
    session.run("mypy", *session.posargs)
    session.run("pyright", *session.posargs)


@nox.session
def typing(session: nox.Session) -> None:
    """The typing suite tests/typing: accepted (assert_type) and rejected (marked) cases.

    Both checkers fail on a marker that no longer suppresses an error, so a check that
    stops catching a mistake fails here. Kept apart from typecheck so its failures name it.
    """
    # JAX's own annotations are what its cases check (PyTorch's come from typings/torch);
    # array-api-strict: the example, which generic_types.py imports, uses it.
    session.install("-e", ".[jax,array-api-strict]", *TYPING_TOOLS, TYPING_NUMPY)
    session.run("mypy", "tests/typing", *session.posargs)
    session.run("pyright", "tests/typing", *session.posargs)


@nox.session
def verifytypes(session: nox.Session) -> None:
    """pyright --verifytypes: how much of the public API is fully typed, as a user sees it.

    verifytypes ignores stubPath: it reads types from the environment, so our CuPy stubs
    are put on its search path as a stub-only package (cupy-stubs, never importable), and
    a one-line pyright run proves they resolve. --ignoreexternal: without it every NumPy
    array type counts as "partially unknown", because numpy.dtype() accepts Decimal and
    Fraction, which reach typeshed's numbers.Real/Complex, whose operators are unannotated
    (45.6 % for that reason alone; `nox -s verifytypes -- --outputjson` lists them).
    """
    session.install(".", "pyright==1.1.414", TYPING_NUMPY)
    stubs = Path(session.create_tmp()) / "stubs"
    shutil.rmtree(stubs, ignore_errors=True)
    shutil.copytree("typings/cupy", stubs / "cupy-stubs")
    site = session.run(
        "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", silent=True
    )
    assert isinstance(site, str)
    (Path(site.strip()) / "arraybackend-cupy-stubs.pth").write_text(f"{stubs.resolve()}\n")
    # In a folder of its own with an empty config: the project's stubPath, or stubs next to
    # the file, would resolve cupy whatever the .pth says.
    probe = Path(session.create_tmp()) / "probe"
    probe.mkdir(exist_ok=True)
    (probe / "pyrightconfig.json").write_text("{}\n")
    (probe / "uses_cupy.py").write_text("import cupy\n\nprint(cupy.asnumpy)\n")
    session.run("pyright", "-p", str(probe))  # else: 'Import "cupy" could not be resolved'
    session.run("pyright", "--verifytypes", "arraybackend", "--ignoreexternal", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, with the doctests in src (mypy too: tests/test_typing.py runs it)."""
    # bench: tests/test_bench.py draws the plot (matplotlib) instead of skipping it.
    # hatchling: tests/test_backend_template.py builds the guide's template package.
    # JAX: the typing suite (run from tests/test_typing.py) checks its cases with JAX's own
    # annotations.
    session.install(
        "-e", ".[test,bench,examples,jax]", "mypy==2.4.1", TYPING_NUMPY, "hatchling>=1.27"
    )
    session.run("pytest", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The site: built with warnings as errors, its examples run, its links and pages checked.

    ``-n -W --keep-going``: every warning (a broken cross-reference included) fails the build,
    all of them listed; ``-E``: a fresh environment, so no warning hides in a cached page.
    Then the ``>>>`` examples of the pages run as doctests, and tests/test_docs_site.py
    checks every internal link (offline) and renders three pages in headless Chromium,
    keeping the screenshots in docs/_build/screenshots. Open docs/_build/html/index.html.
    """
    groups = nox.project.dependency_groups(nox.project.load_toml("pyproject.toml"), "docs")
    # Every public backend module is documented where its library imports (dask, jax;
    # PyTorch is not installed in CI: its module is skipped, docs/conf.py).
    session.install("-e", ".[test,array-api-strict,examples,dask,jax]", *groups)
    html = "docs/_build/html"
    session.run("python", "-m", "sphinx", "-b", "html", "-n", "-W", "--keep-going", "-E", "-q",
                "docs", html, *session.posargs)  # fmt: skip
    # writing-a-backend.md needs its template installed: tests/test_backend_template.py runs it.
    pages = sorted(str(p) for p in Path("docs").glob("*.md") if p.name != "writing-a-backend.md")
    session.run("pytest", "--doctest-glob=*.md", *pages)
    session.run("pytest", "tests/test_docs_site.py", env={"ARRAYBACKEND_DOCS_HTML": html})


@nox.session
def bench(session: nox.Session) -> None:
    """Overhead against raw NumPy, measured in the same run (medians and ratios)."""
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/bench_numpy.py", *session.posargs)


@nox.session(name="bench-array-api")
def bench_array_api(session: nox.Session) -> None:
    """jax and array-api-strict (torch where installed) against their raw calls, 5 processes."""
    session.install("-e", ".[jax,array-api-strict]")
    session.run("python", "benchmarks/bench_array_api.py", "--processes", "5", *session.posargs)


@nox.session
def stubtest(session: nox.Session) -> None:
    """mypy.stubtest: typings/cupy(x) against the real CuPy (a ~140 MB wheel; no GPU needed)."""
    session.install(CUPY_STUBTEST, "mypy==2.4.1", "numpy")
    session.run(
        "python",
        "-m",
        "mypy.stubtest",
        "cupy",
        "cupyx",
        "--ignore-missing-stub",
        "--allowlist",
        "typings/stubtest-allowlist.txt",
        *session.posargs,
        env={"MYPYPATH": "typings"},
    )


@nox.session(name="stubtest-torch")
def stubtest_torch(session: nox.Session) -> None:
    """mypy.stubtest: typings/torch against the real PyTorch (a CPU wheel: see TORCH_CPU)."""
    session.install("pip", "mypy==2.4.1", "numpy")
    session.run("python", "-m", "pip", "install", "-q", TORCH_CPU)
    session.run(
        "python",
        "-W",
        "ignore::DeprecationWarning",
        "-m",
        "mypy.stubtest",
        "torch",
        "--ignore-missing-stub",
        "--allowlist",
        "typings/stubtest-allowlist-torch.txt",
        *session.posargs,
        env={"MYPYPATH": "typings"},
    )


@nox.session(name="cupy-nogpu")
def cupy_nogpu(session: nox.Session) -> None:
    """The real CuPy wheel without a GPU: get_backend("cupy") says why, end to end."""
    if HAS_GPU:
        session.skip("this machine has a GPU: the GPU-less diagnosis cannot be seen here")
    session.install("-e", ".[cupy,test]")
    session.run(
        "pytest",
        "tests/test_cupy_nogpu.py",
        *session.posargs,
        env={"ARRAYBACKEND_EXPECT_NOGPU": "1"},
    )


@nox.session(name="parity-cupy")
def parity_cupy(session: nox.Session) -> None:
    """The name issue 3 uses for parity(backend='cupy'): runs that session."""
    session.notify("parity(backend='cupy')")


@nox.session
@nox.parametrize("backend", list(PARITY_EXTRAS))
def parity(session: nox.Session, backend: str) -> None:
    """The parity kit and the seed examples on one backend, against NumPy and exact values."""
    if backend == "cupy" and not HAS_GPU:
        session.skip(NO_GPU)
    if backend == "torch":
        session.install("pip")
        session.run("python", "-m", "pip", "install", "-q", TORCH_CPU)
    session.install("-e", f".[{PARITY_EXTRAS[backend]}]")
    # Fails (rather than skips) when the backend this session is for cannot run here.
    session.run("python", "-c", f"import arraybackend as ab; ab.get_backend({backend!r})")
    tests = ["tests/test_testing_kit.py", "tests/test_seed_parity.py"]
    own = {
        "array-api-strict": ["tests/test_array_api_strict_backend.py", "tests/test_digits_mlp.py"],
        "jax": ["tests/test_jax_backend.py"],
        "torch": ["tests/test_torch_backend.py"],
        "cupy": ["tests/test_cupy_backend.py"],
        "dask": [
            "tests/test_dask_backend.py",
            "tests/test_dask_chunks.py",
            "tests/test_dask_cluster.py",
        ],
    }
    tests += own.get(backend, [])
    # On a GPU machine an unusable GPU must fail the session, not skip every CuPy test.
    env = {"ARRAYBACKEND_REQUIRE_GPU": "1"} if backend == "cupy" else {}
    if backend == "jax":
        # NumPy's dtypes need JAX's 64-bit mode; with it off the backend refuses 64-bit data
        # (tests/test_jax_backend.py checks that refusal with the mode turned off).
        env["JAX_ENABLE_X64"] = "1"
    session.run("pytest", *tests, f"--arraybackend={backend}", *session.posargs, env=env)
    # JAX compiles every new shape (~5 min and 3 GB for the default 100 examples a check):
    # CI prints its figures from fewer; the kit's own run above is at the default size.
    examples = ["--examples", "20"] if backend == "jax" else []
    session.run("python", "benchmarks/parity_report.py", backend, *examples, env=env)


# The dask release typings/dask was last checked against (nox -s stubtest-dask).
DASK_STUBTEST = "dask[array]==2026.8.0"
nox.options.sessions.append("stubtest-dask")


@nox.session(name="stubtest-dask")
def stubtest_dask(session: nox.Session) -> None:
    """mypy.stubtest: typings/dask against the real dask (a small wheel: runs in CI)."""
    session.install(DASK_STUBTEST, "mypy==2.4.1", "numpy")
    session.run(
        "python",
        "-m",
        "mypy.stubtest",
        "dask",
        "--ignore-missing-stub",
        *session.posargs,
        env={"MYPYPATH": "typings"},
    )


@nox.session
def scale(session: nox.Session) -> None:
    """Out of core on a LocalCluster (not default): benchmarks/dask_scale.py, minutes."""
    session.install("-e", ".[dask]", "threadpoolctl")
    # The script's defaults are the benchmark: n = 11000 through 1, 2 and 4
    # workers x 1 GiB; --numpy times NumPy in memory in the same run.
    args = session.posargs or ["--numpy"]
    session.run("python", "benchmarks/dask_scale.py", *args)


@nox.session
def mutate(session: nox.Session) -> None:
    """Mutation testing of the core (not default; minutes): survivors are untested behaviour.

    Modules and the tests run against their mutants: TARGETS in tests/mutation/mutate.py;
    equivalent mutants: tests/mutation/equivalent.toml. ``-- --help`` lists the options.
    """
    session.install("-e", ".[test,array-api-strict]")
    session.run("python", "tests/mutation/mutate.py", *session.posargs)


@nox.session(name="bench-cupy")
def bench_cupy(session: nox.Session) -> None:
    """GPU benchmark: ``arraybackend bench --backend cupy`` (ratios, GFLOP/s vs rated peak)."""
    if not HAS_GPU:
        session.skip(NO_GPU)
    session.install("-e", ".[cupy,bench]")
    session.run("arraybackend", "bench", "--backend", "cupy", *session.posargs)
