"""Recurrent networks, one concept per module: weights, the unrolled cell, BPTT."""
