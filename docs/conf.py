"""Sphinx configuration: the arraybackend site (``nox -s docs`` builds it).

The API reference is generated from the ``__all__`` of every public module (below), so a
name added to or removed from ``__all__`` appears on or leaves the site with no edit here.
The digits example is run once per build (``_generated/``) so that its figure and output
on the example page are those of the code being documented.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import types
from pathlib import Path
from types import ModuleType

import arraybackend as ab

DOCS = Path(__file__).parent
ROOT = DOCS.parent

project = "arraybackend"
author = "The arraybackend developers"
copyright = "the arraybackend developers"
release = ab.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]
# Markdown pages (the guide, kept as the Markdown the repository already had) and reST (API).
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

html_theme = "pydata_sphinx_theme"
html_title = f"arraybackend {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}
# Pages without sub-pages: no (empty) section navigation on the left.
html_sidebars = {
    page: [] for page in ("index", "getting-started", "example-digits", "benchmarks", "changelog")
}
html_show_sourcelink = False

# Markdown: heading anchors for in-page links such as (#cupy-types), $math$, ::: fences.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]

# Every reference must resolve (-n), except to libraries whose inventories would need the
# network (intersphinx is not used: the build runs offline) and to type variables.
nitpicky = True
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(np|numpy|npt|numpy\.typing|cupy|array_api_strict|hypothesis|pytest|dask|da|distributed)\..*",
    ),
    (r"py:.*", r"(typing|collections\.abc|types|pathlib|_pytest)\..*"),
    (r"py:.*", r"(ArrayT|ArrayT_co|ArrayT_contra|ScalarT|T|F)"),
    # Builtins and standard names that autodoc writes unqualified in signatures.
    (r"py:.*", r"(Any|Self|Literal|TypeAlias|Sequence|Callable|Iterator|Mapping|Hashable)"),
    (r"py:.*", r"(optional|default|callable|array_like|array|ndarray|dtype|None)"),
    (r"py:.*", r"(NDArray|Matrix|Vector|HostArray|Array|ParameterSet)"),
    # Private modules' names (type variables, aliases under TYPE_CHECKING) have no page.
    (r"py:.*", r"arraybackend\.(_\w+|backends\.\w+|\w+\._\w+)\.\w+"),
    (r"py:.*", r"((Any)?_?Cu\w+|_D|Shapes|ShapeT|AbstractContextManager|dict\[str.*)"),
    # Optional libraries' classes, and backends documented only where their library is.
    (r"py:.*", r"(jax|torch)\..*|TorchBackend|arraybackend\.backends\._\w+"),
    (r"py:.*", r"(fractions|contextlib|st)\..*"),
    # Sphinx's own placeholder for an aliased annotation it could not evaluate (3 places).
    (r"py:class", r"TypeAliasForwardRef"),
]

autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_typehints = "signature"
# Signatures say Matrix[ScalarT], as the source does, not the ndarray type it stands for.
autodoc_type_aliases = {
    name: f"arraybackend.{name}" for name in ("Matrix", "Vector", "NDArray", "HostArray")
}
autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False


def public_modules() -> list[ModuleType]:
    """``arraybackend`` and every importable submodule without a leading ``_``."""
    found = [ab]
    for info in pkgutil.walk_packages(ab.__path__, "arraybackend."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            module = importlib.import_module(info.name)
        except ModuleNotFoundError as err:
            # A backend module imports its optional library (PyTorch is not installed in
            # CI: its wheel pulls CUDA): documented where the library is installed.
            if not info.name.startswith("arraybackend.backends."):
                raise
            print(f"api: {info.name} skipped: {err}")
            continue
        if getattr(module, "__all__", None):
            found.append(module)
    return found


def attribute_docs() -> dict[str, str]:
    """The ``#:`` comments above module-level names (type aliases), in any module."""
    from sphinx.pycode import ModuleAnalyzer

    docs: dict[str, str] = {}
    from sphinx.errors import PycodeError

    for info in pkgutil.walk_packages(ab.__path__, "arraybackend."):
        try:
            analyzer = ModuleAnalyzer.for_module(info.name)
        except PycodeError:  # a backend module whose library is missing (see public_modules)
            continue
        for (_, name), lines in analyzer.find_attr_docs().items():
            docs.setdefault(name, " ".join(line.strip() for line in lines).strip())
    return docs


def write_api_index() -> None:
    """``api/index.rst``: one section per public module, one page per public name.

    A name exported by several modules (``ShapeError`` by ``arraybackend`` and
    ``arraybackend.errors``) gets its page once, under the first module that exports it
    (``arraybackend``: the name users write); the others link to that page. Type aliases
    (``Matrix``, ...) cannot be imported by autosummary: they are described in place.
    """
    modules = public_modules()
    home: dict[int, str] = {}
    for module in modules:
        for name in module.__all__:
            home.setdefault(id(getattr(module, name)), f"{module.__name__}.{name}")
    alias_docs = attribute_docs()
    api = DOCS / "api"
    api.mkdir(exist_ok=True)
    header = ".. This file is written by conf.py at every build: edit conf.py, not this."
    index = [
        header,
        "",
        "API reference",
        "=============",
        "",
        "Every name in the ``__all__`` of every public module, one page per name, generated",
        "from the docstrings.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ]
    for module in modules:
        index.append(f"   {module.__name__}")
        lines = [header, "", f"``{module.__name__}``", "=" * (len(module.__name__) + 4), ""]
        lines += [f".. automodule:: {module.__name__}", "   :no-members:", ""]
        lines += [f".. currentmodule:: {module.__name__}", ""]
        own, aliases, elsewhere = [], [], []
        for name in sorted(module.__all__, key=str.lower):
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            target = home[id(obj)]
            if target != f"{module.__name__}.{name}":
                elsewhere.append(target)
            elif isinstance(obj, types.GenericAlias) or (
                type(obj).__module__ == "typing" and not inspect.isclass(obj)
            ):
                aliases.append((name, obj))
            else:
                own.append(name)
        if own:
            lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
            lines += [f"   {name}" for name in own] + [""]
        if aliases:
            lines += ["Type aliases", "------------", ""]
        for name, obj in aliases:
            lines += [f".. py:data:: {name}", "", f"   ``{obj!r}``", ""]
            if name in alias_docs:
                lines += [f"   {alias_docs[name]}", ""]
        if elsewhere:
            lines += ["Also exported here", "------------------", ""]
            lines += ["Documented once, under the first module that exports them:", ""]
            lines += [".. autosummary::", "   :nosignatures:", ""]
            lines += [f"   ~{t}" for t in elsewhere] + [""]
        _write_if_changed(api / f"{module.__name__}.rst", "\n".join(lines))
    _write_if_changed(api / "index.rst", "\n".join([*index, ""]))


def _write_if_changed(path: Path, text: str) -> None:
    # An unchanged file keeps its time stamp, so an incremental build does not redo it.
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def run_digits_example() -> None:
    """Train the digits MLP on every CPU backend here; keep its output and its plot."""
    out = DOCS / "_generated"
    out.mkdir(exist_ok=True)
    example = ROOT / "examples" / "digits_mlp.py"
    stamp = out / "digits.stamp"
    if stamp.exists() and stamp.read_text() == example.read_text():
        return
    backends = [b for b in ("numpy", "array-api-strict") if b in ab.available_backends()]
    argv = [sys.executable, str(example), "--no-progress", "--plot", str(out / "digits.png")]
    for name in backends:
        argv += ["--backend", name]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=ROOT)
    (out / "digits-output.txt").write_text(
        done.stdout.replace(str(out / "digits.png"), "digits.png")
    )
    stamp.write_text(example.read_text())


write_api_index()
run_digits_example()
