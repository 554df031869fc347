"""The durable-execution service as the engine sees it: wire names, the client, the envelope."""
