"""Naturally: the web app (FastAPI) around the torch engine."""
