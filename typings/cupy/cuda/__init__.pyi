from cupy.cuda import runtime as runtime
from cupy.cuda.device import Device as Device
from cupy.cuda.stream import Stream as Stream
