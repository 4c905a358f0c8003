"""Throughput and scaling benchmarks: `make bench` runs them all and prints figures with ratios."""
