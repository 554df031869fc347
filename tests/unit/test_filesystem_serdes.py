"""FileSystemSerDes against a local directory: ALWAYS / OVERFLOW modes, previews, and untrusted pointers."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from powertools_durable import SerDesContext, SerDesError
from powertools_durable.filesystem_serdes import (
    OVERFLOW_THRESHOLD_BYTES,
    FileSystemPathEncoding,
    FileSystemSerDes,
    FileSystemSerDesConfig,
    FileSystemSerDesMode,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/run-1/inv-1"
CONTEXT = SerDesContext("op/1", ARN)


def test_always_writes_the_value_to_a_file_and_reads_it_back(tmp_path: Path):
    # GIVEN the default configuration (ALWAYS, URI paths)
    serdes = FileSystemSerDes(str(tmp_path))
    value = {"price": Decimal("19.90"), "at": datetime(2025, 1, 2, tzinfo=UTC), "pair": (1, "x")}

    # WHEN a value is serialized
    payload = serdes.serialize(value, CONTEXT)

    # THEN the checkpoint holds a pointer to a readable path under function/execution/invocation
    envelope = json.loads(payload)
    assert set(envelope) == {"file"}
    assert envelope["file"] == str(tmp_path / "orders" / "run-1" / "inv-1" / "op%2F1.json")
    assert Path(envelope["file"]).is_file()
    # AND it reads back the same value, and no partial file is left
    assert serdes.deserialize(payload, CONTEXT) == value
    assert [p.name for p in Path(envelope["file"]).parent.iterdir()] == ["op%2F1.json"]


def test_hash_encoding_names_directory_and_file_by_sha256(tmp_path: Path):
    # GIVEN HASH path encoding
    serdes = FileSystemSerDes(str(tmp_path), FileSystemSerDesConfig(path_encoding=FileSystemPathEncoding.HASH))

    # WHEN a value is written
    path = Path(json.loads(serdes.serialize("v", CONTEXT))["file"])

    # THEN both names are 64 hex characters
    assert len(path.parent.name) == 64
    assert len(path.stem) == 64
    assert path.parent.parent == tmp_path


def test_overflow_keeps_small_values_inline_and_writes_large_ones(tmp_path: Path):
    # GIVEN OVERFLOW mode with a preview
    config = FileSystemSerDesConfig(
        storage_mode=FileSystemSerDesMode.OVERFLOW, generate_preview=lambda value: {"length": len(value)}
    )
    serdes = FileSystemSerDes(str(tmp_path), config)

    # WHEN a small and a large value are serialized
    small = serdes.serialize("small", CONTEXT)
    large_value = "x" * OVERFLOW_THRESHOLD_BYTES
    large = serdes.serialize(large_value, SerDesContext("op-2", ARN))

    # THEN the small one is inline (no file), the large one a file pointer with its preview
    assert json.loads(small) == {"data": '"small"'}
    assert json.loads(large)["preview"] == {"length": OVERFLOW_THRESHOLD_BYTES}
    assert len(large) < 1024
    assert serdes.deserialize(small, CONTEXT) == "small"
    assert serdes.deserialize(large, CONTEXT) == large_value


def test_reads_what_the_official_sdk_wrote(tmp_path: Path):
    # GIVEN a file and envelope written by the official SDK's FileSystemSerDes (same layout)
    official = pytest.importorskip("aws_durable_execution_sdk_python.filesystem_serdes")
    from aws_durable_execution_sdk_python.serdes import SerDesContext as OfficialContext

    payload = official.FileSystemSerDes(str(tmp_path)).serialize({"n": Decimal("1.5")}, OfficialContext("op-1", ARN))

    # WHEN ours reads it, and the official SDK reads what ours wrote
    ours = FileSystemSerDes(str(tmp_path))
    theirs_back = official.FileSystemSerDes(str(tmp_path)).deserialize(
        ours.serialize({"n": Decimal("2.5")}, SerDesContext("op-2", ARN)), OfficialContext("op-2", ARN)
    )

    # THEN both directions give the values back
    assert ours.deserialize(payload, SerDesContext("op-1", ARN)) == {"n": Decimal("1.5")}
    assert theirs_back == {"n": Decimal("2.5")}


@pytest.mark.parametrize(
    "pointer",
    ["../outside.json", "/etc/passwd", "{base}/../outside.json", "{base}/link/outside.json", "{base}/a\x00b"],
    ids=["relative", "absolute", "dotdot", "symlink", "nul"],
)
def test_a_pointer_outside_the_directory_is_refused(tmp_path: Path, pointer: str):
    # GIVEN a directory, a file next to it, and a symlink inside it pointing outside
    base = tmp_path / "base"
    base.mkdir()
    (tmp_path / "outside.json").write_text('"secret"')
    os.symlink(tmp_path, base / "link")
    serdes = FileSystemSerDes(str(base))

    # WHEN a payload points the serdes outside its directory
    payload = json.dumps({"file": pointer.format(base=base)})

    # THEN it refuses with a SerDesError naming the path, reading nothing
    with pytest.raises(SerDesError, match="outside its directory"):
        serdes.deserialize(payload, CONTEXT)


@pytest.mark.parametrize(
    ("payload", "message"),
    [("not json", "is not JSON"), ('{"other": 1}', "neither"), ('{"file": 7}', "neither"), ("[1]", "neither")],
)
def test_malformed_envelopes_are_serdes_errors(tmp_path: Path, payload: str, message: str):
    # GIVEN a serdes / WHEN a payload is not one of its envelopes / THEN a SerDesError says so
    with pytest.raises(SerDesError, match=message):
        FileSystemSerDes(str(tmp_path)).deserialize(payload, CONTEXT)


def test_a_missing_file_is_a_serdes_error(tmp_path: Path):
    # GIVEN a pointer inside the directory to a file that is not there
    payload = json.dumps({"file": str(tmp_path / "gone.json")})

    # WHEN it is read / THEN the error names the file
    with pytest.raises(SerDesError, match=r"gone\.json"):
        FileSystemSerDes(str(tmp_path)).deserialize(payload, CONTEXT)


def test_an_execution_name_of_dots_cannot_escape_on_write(tmp_path: Path):
    # GIVEN an ARN whose execution name is ".."
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/../inv"
    serdes = FileSystemSerDes(str(tmp_path / "base"))

    # WHEN a value is written for it
    path = Path(json.loads(serdes.serialize(1, SerDesContext("op", arn)))["file"])

    # THEN the file is inside the directory (the whole ARN encoded as one segment)
    assert path.resolve().is_relative_to((tmp_path / "base").resolve())
    assert path.parent.parent == tmp_path / "base"
