"""Lucida model training: simulators, networks, training, export and evaluation.

Everything here trains on simulated data only (no patient images).
Run entry points from the repository root with ``python3 -m training.<module>``.
"""
