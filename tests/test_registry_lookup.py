"""Which backend owns an array, and what a fresh process knows: the public registry API.

Kills mutants of the registry's look-ups that tests/test_registry.py let through (see
docs/mutation.md); written against the public functions only, so they hold across a
rework of the registry's internals.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import arraybackend as ab

xp: Any = pytest.importorskip("array_api_strict", reason="needs the array-api-strict extra")


class _Tagged(np.ndarray[Any, Any]):
    """An ndarray subclass defined outside NumPy: it is still the NumPy backend's."""


def test_an_ndarray_subclass_from_any_module_belongs_to_numpy() -> None:
    tagged = np.ones(3).view(_Tagged)
    assert ab.backend_of(tagged) is ab.get_backend("numpy")
    assert ab.backend_of(np.ones(2), tagged).name == "numpy"


def test_mismatch_names_each_argument_with_its_own_description() -> None:
    with pytest.raises(ab.BackendMismatchError) as info:
        ab.backend_of(np.ones(2), np.ones((2, 2)), xp.ones(3))
    message = str(info.value)
    assert "argument 0 (a numpy.ndarray of shape (2,)) belongs to NumPyBackend()" in message
    assert "argument 2 (an array_api_strict.Array of shape (3,)) belongs to" in message


def _fresh(code: str) -> str:
    """What ``code`` prints in a new interpreter: the registry as a user first sees it."""
    run = subprocess.run(
        [sys.executable, "-c", f"import arraybackend as ab\n{code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip()


def test_a_fresh_process_finds_entry_point_backends_by_name_by_array_and_in_lists() -> None:
    # Each in its own process: each is the first question the registry is asked.
    assert _fresh("print(ab.get_backend('array-api-strict').name)") == "array-api-strict"
    probe = "import array_api_strict as xp; print(ab.backend_of(xp.ones(2)).name)"
    assert _fresh(probe) == "array-api-strict"
    assert "'array-api-strict'" in _fresh("print(ab.known_backends())")
    assert _fresh("print(ab.available_backends()[0])") == "numpy"


_MINE = (
    "from arraybackend.backends.numpy import NumPyBackend\n"
    "class Mine(NumPyBackend):\n"
    "    __slots__ = ()\n"
    "class Other(NumPyBackend):\n"
    "    __slots__ = ()\n"
)


def test_registering_a_name_again_replaces_the_cached_backend() -> None:
    code = (
        "ab.register_backend('mine', Mine)\n"
        "first = ab.get_backend('mine')\n"
        "ab.register_backend('mine', Other, replace=True)\n"
        "print(type(ab.get_backend('mine')).__name__, type(first).__name__)\n"
    )
    assert _fresh(_MINE + code) == "Other Mine"


def test_a_backend_registered_in_code_replaces_an_entry_point_only_when_asked() -> None:
    refused = (
        "try:\n"
        "    ab.register_backend('array-api-strict', Mine)\n"
        "except ValueError as err:\n"
        "    print(err)\n"
    )
    assert "already registered (entry point" in _fresh(_MINE + refused)
    code = (
        "ab.register_backend('array-api-strict', Mine, replace=True)\n"
        "ab.known_backends()  # loads the entry points\n"
        "print(type(ab.get_backend('array-api-strict')).__name__)\n"
    )
    assert _fresh(_MINE + code) == "Mine"
