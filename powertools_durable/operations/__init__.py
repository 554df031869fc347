"""One module per durable primitive: each checks what the checkpoint says, then executes."""
