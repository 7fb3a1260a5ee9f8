"""payments rules (being written)."""
