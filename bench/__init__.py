"""Benchmarks: each module prints its figures. Run them all with `make bench`."""
