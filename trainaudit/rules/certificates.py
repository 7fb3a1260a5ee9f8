"""certificates rules (being written)."""
