"""The computation behind every page: torch and numpy only, no web imports."""
