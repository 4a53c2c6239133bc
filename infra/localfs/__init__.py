"""Adapters on a local folder (the embedded default's blob store)."""
