"""Replay state: operations by id, deterministic identities, and the checkpointer."""
