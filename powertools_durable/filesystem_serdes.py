"""``FileSystemSerDes``: values too large for a checkpoint live on a shared filesystem (S3 Files, EFS).

The official SDK's answer to payloads over 256 KB, with its envelope on the wire, so either SDK
reads what the other wrote: ``{"data": "<inline>"}``, ``{"file": "<path>"}`` or
``{"file": "<path>", "preview": {...}}``.

Never point it at Lambda's ``/tmp``: a replay may run in another execution environment.

A checkpoint is data from outside the code (anyone with the API can write one), so the file an
envelope names is read only when it lies inside the configured directory (after resolving ``..``
and symbolic links), and what is read is decoded by the configured serdes (the default one unless
told otherwise), never by anything the payload names.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote

from powertools_durable.exceptions import SerDesError
from powertools_durable.serdes import ExtendedTypeSerDes, SerDes, SerDesContext
from powertools_durable.service.wire import CHECKPOINT_SIZE_LIMIT
from powertools_durable.types import DurableExecutionArn

# What stays inline in OVERFLOW mode: the checkpoint limit less 1 KiB for the envelope and metadata.
OVERFLOW_THRESHOLD_BYTES = CHECKPOINT_SIZE_LIMIT - 1024


class FileSystemSerDesMode(StrEnum):
    """ALWAYS writes every value to a file; OVERFLOW keeps it inline unless it would not fit a checkpoint."""

    ALWAYS = "ALWAYS"
    OVERFLOW = "OVERFLOW"


class FileSystemPathEncoding(StrEnum):
    """URI: readable ``<function>/<execution>/<invocation>/<operation id>.json``; HASH: SHA-256 names."""

    URI = "URI"
    HASH = "HASH"


class GeneratePreview(Protocol):
    """Makes the small object kept inline next to the file pointer (shown by consoles), or ``None``."""

    def __call__(self, value: Any) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class FileSystemSerDesConfig:
    """How :class:`FileSystemSerDes` stores values.

    Parameters
    ----------
    storage_mode
        ALWAYS (default) or OVERFLOW.
    path_encoding
        URI (default) or HASH.
    generate_preview
        Called with each value written to a file; its result is kept inline as ``preview``.
    serdes
        Writes and reads the value itself (default :class:`ExtendedTypeSerDes`).
    """

    storage_mode: FileSystemSerDesMode = FileSystemSerDesMode.ALWAYS
    path_encoding: FileSystemPathEncoding = FileSystemPathEncoding.URI
    generate_preview: GeneratePreview | None = None
    serdes: SerDes[Any] = field(default_factory=ExtendedTypeSerDes)


def _encode(value: str, encoding: FileSystemPathEncoding) -> str:
    if encoding is FileSystemPathEncoding.HASH:
        return hashlib.sha256(value.encode()).hexdigest()
    return quote(value, safe="")


def _safe_segment(segment: str) -> bool:
    return segment not in ("", ".", "..") and "/" not in segment and "\\" not in segment and "\0" not in segment


def _execution_dir(base: str, arn: str, encoding: FileSystemPathEncoding) -> str:
    """``base/<function>/<execution>/<invocation>`` (URI) or ``base/<encoded ARN>``."""
    if encoding is FileSystemPathEncoding.URI:
        parsed = DurableExecutionArn.from_arn(arn)
        if parsed is not None:
            parts = (parsed.function_name, parsed.execution_name, parsed.invocation_id)
            if all(_safe_segment(part) for part in parts):
                return os.path.join(base, *parts)
    return os.path.join(base, _encode(arn, encoding))


def _inside(path: str, base: str) -> bool:
    root = os.path.realpath(base)
    return os.path.commonpath([root, os.path.realpath(path)]) == root


class FileSystemSerDes(SerDes[Any]):
    """Stores values as files under ``base_path`` and checkpoints a pointer to them.

    Parameters
    ----------
    base_path
        A directory on a filesystem every invocation sees (an S3 Files or EFS mount).
    config
        Storage mode, path encoding, preview and value serdes.

    Example
    -------
    >>> serdes = FileSystemSerDes("/mnt/s3", FileSystemSerDesConfig(storage_mode=FileSystemSerDesMode.OVERFLOW))
    >>> context.step(build_report, config=StepConfig(serdes=serdes))  # doctest: +SKIP
    """

    def __init__(self, base_path: str, config: FileSystemSerDesConfig | None = None) -> None:
        self._base_path = base_path
        self._config = config or FileSystemSerDesConfig()

    def serialize(self, value: Any, serdes_context: SerDesContext) -> str:
        """The envelope: inline data (OVERFLOW, small enough) or a pointer to the file just written."""
        config = self._config
        if config.storage_mode is FileSystemSerDesMode.OVERFLOW:
            inline = json.dumps({"data": config.serdes.serialize(value, serdes_context)})
            if len(inline.encode()) <= OVERFLOW_THRESHOLD_BYTES:
                return inline
        envelope: dict[str, Any] = {"file": self._write(value, serdes_context)}
        if config.generate_preview is not None:
            preview = config.generate_preview(value)
            if preview:
                envelope["preview"] = preview
        return json.dumps(envelope)

    def deserialize(self, data: str, serdes_context: SerDesContext) -> Any:
        """The value of an envelope, read from its file when it points at one inside ``base_path``."""
        try:
            envelope = json.loads(data)
        except (TypeError, ValueError) as exc:
            raise SerDesError(f"FileSystemSerDes payload of {serdes_context.operation_id} is not JSON: {exc}") from None
        if isinstance(envelope, dict) and isinstance(envelope.get("file"), str):
            return self._config.serdes.deserialize(self._read(envelope["file"], serdes_context), serdes_context)
        if isinstance(envelope, dict) and isinstance(envelope.get("data"), str):
            return self._config.serdes.deserialize(envelope["data"], serdes_context)
        raise SerDesError(
            f"FileSystemSerDes payload of {serdes_context.operation_id} is neither "
            '{"file": "<path>"} nor {"data": "<json>"}'
        )

    def _write(self, value: Any, context: SerDesContext) -> str:
        encoding = self._config.path_encoding
        directory = _execution_dir(self._base_path, context.durable_execution_arn, encoding)
        path = os.path.join(directory, f"{_encode(context.operation_id, encoding)}.json")
        if not _inside(path, self._base_path):
            raise SerDesError(f"FileSystemSerDes would write {path!r}, outside {self._base_path!r}")
        content = self._config.serdes.serialize(value, context)
        os.makedirs(directory, exist_ok=True)
        # Written whole or not at all: a reader never sees half a file.
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(content)
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
        return path

    def _read(self, path: str, context: SerDesContext) -> str:
        if "\0" in path or not _inside(path, self._base_path):
            raise SerDesError(
                f"FileSystemSerDes payload of {context.operation_id} points at {path!r}, "
                f"outside its directory {self._base_path!r}: refused"
            )
        try:
            with open(path, encoding="utf-8") as file:
                return file.read()
        except OSError as exc:
            raise SerDesError(
                f"FileSystemSerDes could not read {path!r} for {context.operation_id}: {exc.strerror or exc}"
            ) from None
