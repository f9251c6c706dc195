"""Loaders for the data the project ships, and their deterministic splits."""
