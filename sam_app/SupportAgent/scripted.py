"""The support agent's model on the emulator: a deterministic script (no network, no account).

Turn 1 looks the order up, turn 2 asks for a refund of its total (a tool that needs approval),
turn 3 answers with what happened. Test hooks: ``SUPPORT_AGENT_CALL_LOG`` (a file each model call
appends its turn to, so a test counts the calls across worker processes) and
``SUPPORT_AGENT_EXIT_ONCE`` (a marker file: the first call of turn 2 creates it and kills the
worker, a crash drill).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

ORDER_ID = re.compile(r"\bo-\d+\b")


def _returns(messages: list[ModelMessage]) -> list[ToolReturnPart]:
    last = messages[-1]
    return [p for p in last.parts if isinstance(p, ToolReturnPart)] if isinstance(last, ModelRequest) else []


def _order_id(messages: list[ModelMessage]) -> str:
    match = ORDER_ID.search(json.dumps([str(m) for m in messages[:1]]))
    return match.group(0) if match else "o-unknown"


def _record(turn: int) -> None:
    log = os.environ.get("SUPPORT_AGENT_CALL_LOG")
    if log:
        with Path(log).open("a") as file:
            file.write(f"turn-{turn}\n")
    marker = os.environ.get("SUPPORT_AGENT_EXIT_ONCE")
    if marker and turn == 2 and not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(3)


def support_script(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """The next turn of the scripted conversation, decided by the messages so far."""
    turn = 1 + sum(isinstance(m, ModelResponse) for m in messages)
    _record(turn)
    order_id = _order_id(messages)
    if turn == 1:
        return ModelResponse(parts=[ToolCallPart("lookup_order", {"order_id": order_id}, tool_call_id="lookup-1")])
    if turn == 2:
        order = _returns(messages)[0].content
        amount = order["total"] if isinstance(order, dict) else 0
        args = {"order_id": order_id, "amount": amount}
        return ModelResponse(parts=[ToolCallPart("issue_refund", args, tool_call_id="refund-1")])
    outcome = " ".join(str(p.content) for p in _returns(messages))
    return ModelResponse(parts=[TextPart(f"Order {order_id}: {outcome}")])


def scripted_model() -> FunctionModel:
    return FunctionModel(support_script, model_name="support-script")
