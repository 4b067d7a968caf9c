# pyright: reportPrivateUsage=false
# (CuPy's own names are private: the stubs must use them where CuPy does.)
from cupy._core._kernel import _UFuncInexact1

# A ufunc object at run time (cupy._core._kernel.ufunc), not a function; re-exported as cupy.tanh.
tanh: _UFuncInexact1
