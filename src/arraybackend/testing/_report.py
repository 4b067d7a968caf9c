"""What the kit reports: ``ParityError``, ``ParityResult``, ``Failure``, ``BackendReport``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arraybackend.errors import ArrayBackendError
    from arraybackend.testing._exact import ValueCheck

__all__ = ["BackendReport", "Failure", "ParityError", "ParityResult"]


class ParityError(AssertionError):
    """A backend disagrees with the reference, or a result with exact arithmetic.

    ``report`` is the ``BackendReport`` of the whole run when ``check_backend`` raised it,
    None when a single comparison (``assert_parity``, ``check_product``) did.
    """

    def __init__(self, message: str, /, *, report: BackendReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class ParityResult:
    """What ``assert_parity`` compared: None fields when both sides raised.

    ``error`` is the public error class both raised; ``reference`` and ``backend`` are the
    value checks against exact arithmetic (only with ``product=``).
    """

    dtype: str | None
    error: type[ArrayBackendError] | None = None
    reference: ValueCheck | None = None
    backend: ValueCheck | None = None


@dataclass(frozen=True)
class Failure:
    """One failed check: its name (as in ``CHECKS``), the dtype if one, and what went wrong."""

    check: str
    message: str
    dtype: str | None = None

    def __str__(self) -> str:
        where = f" [{self.dtype}]" if self.dtype is not None else ""
        return f"{self.check}{where}: {self.message}"


@dataclass
class BackendReport:
    """What ``check_backend`` ran, what failed, and the largest error-to-bound ratio per dtype.

    A ratio is the worst ``|computed - exact| / bound`` over all elements of that dtype;
    below 1 passes. A ratio far below 1 means the bound is loose for these data (it is a
    worst case over every summation order), not that the check is weak: the error of a
    wrong result (a wrong element, a transposed operand) is many times the bound.

    ``failures`` is empty exactly when the backend passed; ``notes`` says what could not be
    checked for this backend, and why.
    """

    backend: str
    examples: dict[str, int] = field(default_factory=dict[str, int])
    max_ratio: dict[str, float] = field(default_factory=dict[str, float])
    reference_max_ratio: dict[str, float] = field(default_factory=dict[str, float])
    unsupported: list[str] = field(default_factory=list[str])
    failures: list[Failure] = field(default_factory=list[Failure])
    notes: list[str] = field(default_factory=list[str])

    @property
    def failed_checks(self) -> list[str]:
        """The names of the checks that failed, each once, in the order they ran."""
        return list(dict.fromkeys(f.check for f in self.failures))

    def count(self, check: str, n: int = 1) -> None:
        """Count ``n`` more examples of ``check``."""
        self.examples[check] = self.examples.get(check, 0) + n

    def record(self, check: str, result: ParityResult) -> None:
        """Count one example of ``check`` and keep the largest ratios per dtype."""
        self.count(check)
        for ratios, value in (
            (self.max_ratio, result.backend),
            (self.reference_max_ratio, result.reference),
        ):
            if value is not None:
                ratios[value.dtype] = max(ratios.get(value.dtype, 0.0), value.max_ratio)

    def fail(self, check: str, message: str, dtype: str | None = None) -> None:
        """Add a failure of ``check``."""
        self.failures.append(Failure(check, message, dtype))

    def summary(self) -> str:
        """A readable table: examples per check, ratios per dtype, notes, then failures."""
        lines = [f"arraybackend conformance of {self.backend!r}:"]
        lines += [f"  {check:<24} {n:>6} examples" for check, n in self.examples.items()]
        lines.append("  max error/bound ratio   backend  reference(numpy)")
        for dtype in sorted(self.max_ratio):
            ref = self.reference_max_ratio.get(dtype, float("nan"))
            lines.append(f"  {dtype:<22} {self.max_ratio[dtype]:>8.3g}  {ref:>8.3g}")
        if self.unsupported:
            lines.append(f"  not supported by the backend: {', '.join(self.unsupported)}")
        lines += [f"  not checked: {note}" for note in self.notes]
        lines += [f"  FAILED {failure}" for failure in self.failures]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
