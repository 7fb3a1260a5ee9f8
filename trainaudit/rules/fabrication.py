"""fabrication rules (being written)."""
