"""The parity kit: prove a backend agrees with the NumPy reference and with exact arithmetic.

* ``check_backend(backend)``: the whole conformance run (the named checks of ``CHECKS``),
  in one line; ``raise_on_failure=False`` returns the failures instead of raising.
* ``assert_parity(fn, *args, backend=...)``: one comparison, reference against backend.
* ``check_product``: one computed product against the exact one, within its error bound.
* ``arraybackend.testing.strategies``: hypothesis strategies (shapes, dtypes, layouts, values).
* ``arraybackend.testing.plugin``: the pytest plugin (``array_backend`` fixture,
  ``--arraybackend``).

Every failure is a ``ParityError`` (an ``AssertionError``); from ``check_backend`` it
carries the ``BackendReport`` as ``.report``. Importing this package imports neither
pytest nor hypothesis: ``check_backend`` imports hypothesis when it runs, the
``strategies`` module when it is imported.

Examples
--------
>>> import arraybackend as ab
>>> from arraybackend.testing import check_backend
>>> report = check_backend(ab.get_backend("numpy"), max_examples=5)
>>> report.failures
[]
>>> report = check_backend(ab.get_backend("numpy"), checks=["errors"])
>>> list(report.examples)
['errors']
"""

from __future__ import annotations

from arraybackend.testing._conformance import CHECKS, Check, check_backend
from arraybackend.testing._exact import (
    DEFAULT_ACCUMULATE,
    ValueCheck,
    check_product,
    gamma,
    unit_roundoff,
)
from arraybackend.testing._parity import assert_parity
from arraybackend.testing._report import BackendReport, Failure, ParityError, ParityResult

__all__ = [
    "CHECKS",
    "DEFAULT_ACCUMULATE",
    "BackendReport",
    "Check",
    "Failure",
    "ParityError",
    "ParityResult",
    "ValueCheck",
    "assert_parity",
    "check_backend",
    "check_product",
    "gamma",
    "unit_roundoff",
]
