# Only the submodules arraybackend's stubs refer to; see cupy/__init__.pyi.
