"""The local emulator of the durable-execution service and of Lambda (never imported by the engine)."""
