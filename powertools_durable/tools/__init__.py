"""Developer tools around durable handlers: the determinism linter and the replayer.

Neither is imported by ``import powertools_durable``, and neither needs the emulator's web stack.
"""
