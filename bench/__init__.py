"""Benchmarks (`make bench`): speed figures as ratios against a reference measured in the same
run on the same machine, never as wall-clock limits in tests."""
