from dask.array import random as random
from dask.array.core import Array as Array
from dask.array.core import from_array as from_array
from dask.array.routines import matmul as matmul
