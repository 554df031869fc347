"""The web console in headless Chromium, against the real emulator (worker processes, HTTP server).

Each flow of the issue: the executions list updating live and filtering, an execution's timeline
updating as its wait ends, answering a callback from the page, stopping an execution, starting one;
payloads render as text. Screenshots of the tour land in docs/images/ with UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from powertools_durable.local.emulator import LocalEmulator

pytestmark = pytest.mark.e2e

XSS = '<script>alert("payload")</script><img src=x onerror=alert(2)>'


def open_execution(page: Any, emulator: LocalEmulator, arn: str) -> None:
    page.goto(f"{emulator.endpoint_url}/#/execution/{quote(arn, safe='')}")


def op_row(page: Any, name: str) -> Any:
    return page.locator(f'.row.op[data-op-name="{name}"]')


def status_badge(page: Any) -> Any:
    return page.locator("#execution-header h1 .badge")


def test_list_updates_live_and_filters(page: Any, console_emulator: LocalEmulator) -> None:
    # GIVEN the executions list, open before the execution starts
    page.goto(f"{console_emulator.endpoint_url}/")
    expect(page.locator("#list-summary")).to_contain_text("updates live")

    # WHEN an execution starts and runs to its end
    arn = console_emulator.invoke("Pause", {"seconds": 2}, name="listed-live")

    # THEN its row appears and reaches SUCCEEDED without a reload
    row = page.locator(f'tr[data-arn="{arn}"]')
    expect(row).to_have_attribute("data-status", "SUCCEEDED")
    expect(row).to_contain_text("listed-live")
    expect(row).to_contain_text("Pause")
    # AND the filters keep it or drop it
    page.select_option("#filter-function", "Echo")
    expect(row).to_have_count(0)
    page.select_option("#filter-function", "Pause")
    expect(row).to_have_count(1)
    page.select_option("#filter-status", "FAILED")
    expect(row).to_have_count(0)
    page.select_option("#filter-status", "SUCCEEDED")
    expect(row).to_have_count(1)


def test_timeline_updates_as_the_wait_ends(page: Any, console_emulator: LocalEmulator) -> None:
    # GIVEN an execution in a 2-minute wait (12 s of wall time: time enough to see it waiting), its page open
    arn = console_emulator.invoke("Pause", {"seconds": 120}, name="waits-two-minutes")
    open_execution(page, console_emulator, arn)
    wait = op_row(page, "pause")
    expect(wait).to_have_attribute("data-status", "WAITING")
    expect(wait.locator(".marker")).to_have_count(1)  # the scheduled end
    expect(op_row(page, "after")).to_have_count(0)
    expect(page.locator("#timeline h2")).to_contain_text("modelled time")
    wait.click()
    expect(page.locator("#details")).to_contain_text("Scheduled end")

    # THEN, as the wait ends, the page shows the wait done, the last step and the end, without a reload
    expect(wait).to_have_attribute("data-status", "SUCCEEDED")
    expect(op_row(page, "after")).to_have_attribute("data-status", "SUCCEEDED")
    expect(status_badge(page)).to_have_text("SUCCEEDED")
    expect(page.locator("#execution-result")).to_have_text('"after"')
    # AND the raw history is there as a table and as GetDurableExecutionHistory's JSON
    expect(page.locator("#history-table")).to_contain_text("WaitSucceeded")
    page.click("#history-tab-json")
    shown = json.loads(page.locator("#history-json").text_content())
    assert shown["Events"] == console_emulator.history(arn)


def test_answer_a_callback_from_the_page(page: Any, console_emulator: LocalEmulator, screenshots: Path) -> None:
    # GIVEN an execution waiting for its approval callback, its page open
    arn = console_emulator.invoke("Approval", {}, name="approve-me")
    open_execution(page, console_emulator, arn)
    form = page.locator('.callback[data-callback-name^="approval"]')
    expect(form).to_be_visible()
    expect(op_row(page, "approval")).to_be_visible()

    # WHEN a payload that is not JSON is tried, then a heartbeat, then a JSON answer
    form.locator(".callback-payload").fill("{not json")
    form.locator(".callback-succeed").click()
    expect(page.locator("#notice")).to_contain_text("failed")
    form.locator(".callback-heartbeat").click()
    expect(page.locator("#notice")).to_contain_text("heartbeat sent")
    assert console_emulator.result(arn).status == "RUNNING"
    form.locator(".callback-payload").fill('{"by": "ana"}')
    page.screenshot(path=str(screenshots / "console-callback.png"))
    form.locator(".callback-succeed").click()

    # THEN the execution finishes with the answer, shown on the page
    expect(status_badge(page)).to_have_text("SUCCEEDED")
    expect(page.locator("#callbacks .callback")).to_have_count(0)
    assert console_emulator.wait(arn, 30).result == {"approved": '{"by": "ana"}'}  # sent as typed
    expect(page.locator("#execution-result")).to_contain_text("ana")


def test_fail_a_callback_from_the_page(page: Any, console_emulator: LocalEmulator) -> None:
    # GIVEN an execution waiting for its approval callback
    arn = console_emulator.invoke("Approval", {}, name="reject-me")
    open_execution(page, console_emulator, arn)
    form = page.locator('.callback[data-callback-name^="approval"]')

    # WHEN it is failed with a type and a message
    form.locator(".callback-error-type").fill("Rejected")
    form.locator(".callback-error-message").fill("over budget")
    form.locator(".callback-fail").click()

    # THEN the callback's failure is in the history and the execution fails
    expect(status_badge(page)).to_have_text("FAILED")
    failed = console_emulator.wait(arn, 30).events("CallbackFailed")
    assert failed[0]["CallbackFailedDetails"]["Error"]["Payload"] == {
        "ErrorType": "Rejected",
        "ErrorMessage": "over budget",
    }
    op_row(page, "approval").click()
    expect(page.locator("#details-error")).to_contain_text("over budget")


def test_stop_an_execution(page: Any, console_emulator: LocalEmulator) -> None:
    # GIVEN an execution in a day-long wait
    arn = console_emulator.invoke("Pause", {"seconds": 86_000}, name="stop-me")
    open_execution(page, console_emulator, arn)
    expect(op_row(page, "pause")).to_have_attribute("data-status", "WAITING")

    # WHEN Stop is clicked
    page.click("#stop-button")

    # THEN StopDurableExecution ran: the execution is STOPPED, and the button is gone
    expect(status_badge(page)).to_have_text("STOPPED")
    expect(page.locator("#stop-button")).to_have_count(0)
    assert console_emulator.result(arn).status == "STOPPED"
    assert console_emulator.result(arn).history[-1]["EventType"] == "ExecutionStopped"


def test_start_an_execution_and_payloads_render_as_text(page: Any, console_emulator: LocalEmulator) -> None:
    # GIVEN the list page
    page.goto(f"{console_emulator.endpoint_url}/")
    page.click("#start-panel summary")
    expect(page.locator("#start-function option[value=Echo]")).to_have_count(1)

    # WHEN input that is not JSON is tried, then an Echo is started with markup in its JSON input
    page.select_option("#start-function", "Echo")
    page.fill("#start-input", "{oops")
    page.click("#start-button")
    expect(page.locator("#notice")).to_contain_text("not JSON")
    page.fill("#start-name", "started-from-the-page")
    page.fill("#start-input", json.dumps({"comment": XSS, "step": "<b>bold</b>"}))
    page.click("#start-button")

    # THEN the page opens the new execution, which succeeds; the markup shows as text, nothing ran
    expect(page.locator("#execution-name")).to_have_text("started-from-the-page")
    expect(status_badge(page)).to_have_text("SUCCEEDED")
    expect(page.locator("#execution-result")).to_contain_text(XSS.replace('"', '\\"'))
    expect(op_row(page, "<b>bold</b>").locator(".op-name")).to_have_text("<b>bold</b>")  # names are data too
    op_row(page, "<b>bold</b>").click()
    expect(page.locator("#details-result")).to_contain_text("<img src=x onerror=alert(2)>")
    expect(page.locator("#details-name")).to_have_text("<b>bold</b>")
    assert page.locator("#view img, #view script, #view b").count() == 0
    # AND the invocation's logs are one click away
    page.locator("#invocations .bar").first.click()
    expect(page.locator("#invocation-logs")).to_contain_text("echo got")
    records = console_emulator.service.list_executions("Echo", name="started-from-the-page")["DurableExecutions"]
    assert [r["Status"] for r in records] == ["SUCCEEDED"]


def test_tour_of_an_order(page: Any, console_emulator: LocalEmulator, screenshots: Path) -> None:
    # GIVEN an order: retried step, parallel branches, a map, a chained invoke, then a pending callback
    arn = console_emulator.invoke("Order", {"order": "o-42"}, name="order-o-42")
    open_execution(page, console_emulator, arn)
    expect(op_row(page, "approval")).to_have_attribute("data-status", "PENDING")

    # THEN operations are nested under their parents, in order
    names = page.locator(".row.op").evaluate_all("rows => rows.map(r => r.dataset.opName)")
    assert names[:7] == [
        "validate",
        "reserve-stock",
        "checks",
        "parallel-branch-0",
        "fraud-wait",
        "fraud-step",
        "parallel-branch-1",
    ]
    assert names.index("square-1") > names.index("price-lines")
    # AND the retried step shows its attempts and the delays between them
    stock = op_row(page, "reserve-stock")
    expect(stock.locator(".bar.attempt.failed")).to_have_count(2)
    expect(stock.locator(".bar.delay")).to_have_count(2)
    stock.click()
    expect(page.locator("#details .attempts tbody tr")).to_have_count(3)
    expect(page.locator("#details")).to_contain_text("warehouse unreachable (attempt 2)")
    expect(page.locator("#details-result")).to_have_text('"reserved"')
    page.locator(".split").screenshot(path=str(screenshots / "console-timeline.png"))

    # WHEN the chained invoke's target is opened from its details
    op_row(page, "invoice").click()
    page.get_by_role("link", name="open the target execution").click()

    # THEN the page shows the Invoice execution
    expect(page.locator("#execution-header")).to_contain_text("Invoice")
    expect(status_badge(page)).to_have_text("SUCCEEDED")
    page.go_back()
    expect(op_row(page, "approval")).to_be_visible()


def test_the_list_shows_every_status(page: Any, console_emulator: LocalEmulator, screenshots: Path) -> None:
    # GIVEN the executions of the tests above (succeeded, failed, stopped, one still waiting for approval)
    page.goto(f"{console_emulator.endpoint_url}/")
    rows = page.locator("#executions tbody tr[data-arn]")
    expect(rows).to_have_count(len(console_emulator.store.executions()))
    # THEN each status is shown, and the list is pictured for the docs
    shown = set(rows.evaluate_all("rows => rows.map(r => r.dataset.status)"))
    assert {"SUCCEEDED", "FAILED", "STOPPED", "RUNNING"} <= shown
    page.screenshot(path=str(screenshots / "console-executions.png"))
    assert (screenshots / "console-executions.png").read_bytes().startswith(b"\x89PNG")
