from typing import Self

from torch import Tensor

class Parameter(Tensor):
    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Self: ...
