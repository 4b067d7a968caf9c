# scikit-learn ships no type information: only what examples/digits_mlp.py uses.
