"""Convolutional networks, one concept per module."""
