"""``Run``: one conformance run, what every check of ``CHECKS`` reads and writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from arraybackend._protocol import Backend
from arraybackend.testing._exact import HostArray
from arraybackend.testing._parity import assert_parity
from arraybackend.testing._report import BackendReport, ParityError, ParityResult

if TYPE_CHECKING:
    from hypothesis import settings
    from hypothesis import strategies as st

__all__ = ["DTypeParityError", "Run"]


class DTypeParityError(ParityError):
    """A ParityError of one dtype among several checked in one example."""

    def __init__(self, message: str, dtype: np.dtype[Any]) -> None:
        super().__init__(message)
        self.dtype = dtype


@dataclass
class Run:
    """One conformance run: what every check reads (and the report it writes)."""

    backend: Backend[Any]
    report: BackendReport
    dtypes: list[np.dtype[Any]]
    max_examples: int = 25
    accumulate: Mapping[np.dtype[Any], np.dtype[Any]] | None = None
    _settings: settings | None = field(default=None, repr=False)

    @property
    def floats(self) -> list[np.dtype[Any]]:
        """The supported floating and complex dtypes."""
        return [d for d in self.dtypes if d.kind in "fc"]

    def parity(
        self,
        check: str,
        fn: Callable[..., object],
        /,
        *args: object,
        product: Callable[..., tuple[HostArray, HostArray]] | None = None,
        label: str = "",
        dtype: np.dtype[Any] | None = None,
    ) -> ParityResult | None:
        """``assert_parity`` on fixed inputs: recorded when it passes, a failure when not."""
        try:
            result = assert_parity(
                fn, *args, backend=self.backend, product=product, accumulate=self.accumulate
            )
        except Exception as err:  # any exception from a backend is a finding, not a crash
            prefix = f"{label}: " if label else ""
            kind = "" if isinstance(err, ParityError) else f"{type(err).__name__}: "
            self.report.fail(check, f"{prefix}{kind}{err}", None if dtype is None else str(dtype))
            return None
        self.report.record(check, result)
        return result

    def drawn(
        self,
        check: str,
        dtype: np.dtype[Any] | None,
        strategy: st.SearchStrategy[Any],
        body: Callable[..., ParityResult | list[ParityResult]],
    ) -> None:
        """``body(*args)`` for ``max_examples`` hypothesis draws of ``args`` from ``strategy``.

        ``dtype`` is the one dtype the strategy draws, None when ``body`` checks several
        (it returns one result per dtype, and names the dtype in its failures).
        """
        from hypothesis import HealthCheck, Phase, given
        from hypothesis import settings as hypothesis_settings

        if self._settings is None:
            self._settings = hypothesis_settings(
                max_examples=self.max_examples,
                # No "explain" phase: it lists the kit's own lines, not the backend's.
                phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
                derandomize=True,
                database=None,
                deadline=None,
                print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )

        @self._settings
        @given(strategy)
        def example(args: Any) -> None:
            results = body(*args)
            for result in results if isinstance(results, list) else [results]:
                self.report.record(check, result)

        try:
            example()
        except Exception as err:  # any exception from a backend is a finding, not a crash
            group: tuple[BaseException, ...] = (err,)
            if isinstance(err, BaseExceptionGroup):
                group = tuple(cast("BaseExceptionGroup[BaseException]", err).exceptions)
            for one in group:
                notes = " ".join(" ".join(getattr(one, "__notes__", [])).split())
                of = one.dtype if isinstance(one, DTypeParityError) else dtype
                kind = "ParityError" if isinstance(one, ParityError) else type(one).__name__
                where = None if of is None else str(of)
                self.report.fail(check, f"{kind}: {one} [{notes}]", where)
