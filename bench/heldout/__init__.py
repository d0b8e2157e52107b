"""Held-out document corpus (producers unseen by the parser)."""
