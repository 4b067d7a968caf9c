"""The parity kit: prove a backend agrees with the NumPy reference and with exact arithmetic.

* ``assert_parity(fn, *args, backend=...)``: one comparison, reference against backend.
* ``check_backend(backend)``: the whole conformance run, in one line.
* ``check_product``: one computed product against the exact one, within its error bound.
* ``arraybackend.testing.strategies``: hypothesis strategies (shapes, dtypes, layouts, values).
* ``arraybackend.testing.plugin``: the pytest plugin (``backend`` fixture, ``--arraybackend``).

Importing this package imports neither pytest nor hypothesis: ``check_backend`` imports
hypothesis when it runs, the ``strategies`` module when it is imported.

Examples
--------
>>> import arraybackend as ab
>>> from arraybackend.testing import check_backend
>>> report = check_backend(ab.get_backend("numpy"), max_examples=5)
>>> report.failures
[]
"""

from __future__ import annotations

from arraybackend.testing._check import BackendReport, check_backend
from arraybackend.testing._exact import (
    DEFAULT_ACCUMULATE,
    ValueCheck,
    check_product,
    gamma,
    unit_roundoff,
)
from arraybackend.testing._parity import (
    ParityError,
    ParityResult,
    SupportsAsarray,
    assert_parity,
)

__all__ = [
    "DEFAULT_ACCUMULATE",
    "BackendReport",
    "ParityError",
    "ParityResult",
    "SupportsAsarray",
    "ValueCheck",
    "assert_parity",
    "check_backend",
    "check_product",
    "gamma",
    "unit_roundoff",
]
