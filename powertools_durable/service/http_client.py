"""A standard-library client of the two durable-execution calls: the default on Lambda.

Why not boto3: on a cold start the engine's first checkpoint used to pay for importing boto3 and
botocore and building a ``lambda`` client, about 150-190 ms here (``python benchmarks/run.py``:
cold invocation ~225 ms with boto3, ~35 ms with this client), far more than everything else a
one-step workflow does. The engine needs only CheckpointDurableExecution and
GetDurableExecutionState, so this module speaks their rest-json wire format directly, exactly as
botocore serializes it (``boto3.client("lambda").meta.service_model`` is the authority):

- ``POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint`` with the JSON body
  ``{"CheckpointToken", "Updates", "ClientToken"}`` (a fresh idempotency token per call, kept
  across its retries, as botocore fills it);
- ``GET /2025-12-01/durable-executions/{DurableExecutionArn}/state?CheckpointToken=&Marker=&MaxItems=``;
- the ARN is one path segment, percent-encoded (``:``, ``/``, ``$`` included);
- requests are signed with AWS Signature Version 4 (``hashlib`` + ``hmac``), with credentials
  from ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN`` (how Lambda
  hands them to a function), region from ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, endpoint from
  ``AWS_ENDPOINT_URL_LAMBDA`` or ``AWS_ENDPOINT_URL``, else ``https://lambda.{region}.amazonaws.com``;
- one keep-alive ``http.client`` connection per process (Lambda reuses the environment);
- throttling (429, ``ThrottlingException``, ``TooManyRequestsException``), 5xx answers and
  connection errors are retried with exponential backoff and full jitter, up to
  ``POWERTOOLS_DURABLE_CLIENT_MAX_ATTEMPTS`` attempts (default 5); what still fails, and any
  other error, raises :class:`CheckpointError` / :class:`GetExecutionStateError` carrying AWS's
  error code and message.

Timestamps in responses are left as the service sends them (epoch seconds); the engine does not
read them. ``POWERTOOLS_DURABLE_CLIENT=boto3`` selects the boto3 client instead.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

from powertools_durable.exceptions import CheckpointError, GetExecutionStateError, InvocationError
from powertools_durable.service.wire import WireDict

API_PREFIX = "/2025-12-01/durable-executions/"
SERVICE = "lambda"
ENV_MAX_ATTEMPTS = "POWERTOOLS_DURABLE_CLIENT_MAX_ATTEMPTS"
DEFAULT_MAX_ATTEMPTS = 5
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 50.0
USER_AGENT = "powertools-durable (stdlib http client)"

_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
_UNRESERVED = "-_.~"  # RFC 3986 unreserved characters besides letters and digits


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    session_token: str | None = None


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials | None:
    """Static credentials from the environment (always present on Lambda), or ``None``."""
    env = os.environ if environ is None else environ
    access_key, secret_key = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if not access_key or not secret_key:
        return None
    return Credentials(access_key, secret_key, env.get("AWS_SESSION_TOKEN") or None)


def region_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None


def endpoint_from_env(region: str, environ: Mapping[str, str] | None = None) -> str:
    """The endpoint botocore would use for ``lambda``, honouring the endpoint-URL variables."""
    env = os.environ if environ is None else environ
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        configured = env.get("AWS_ENDPOINT_URL_LAMBDA") or env.get("AWS_ENDPOINT_URL")
        if configured:
            return configured
    return f"https://lambda.{region}.amazonaws.com"


# -- Signature Version 4 ---------------------------------------------------------------------------
def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def sigv4_headers(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    now: datetime,
    service: str = SERVICE,
) -> dict[str, str]:
    """The headers that sign a request: ``X-Amz-Date``, ``X-Amz-Security-Token``, ``Authorization``.

    Follows botocore's ``SigV4Auth``: every header given is signed (plus ``host``), the canonical
    URI is the already-encoded path encoded once more (non-S3 services), the query is sorted and
    percent-encoded, and the payload is hashed with SHA-256.
    """
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    added = {"X-Amz-Date": amz_date}
    if credentials.session_token:
        added["X-Amz-Security-Token"] = credentials.session_token
    parts = urlsplit(url)
    host = parts.hostname or ""
    default_port = 443 if parts.scheme == "https" else 80
    if parts.port is not None and parts.port != default_port:
        host = f"{host}:{parts.port}"
    to_sign = {"host": host}
    for name, value in {**headers, **added}.items():
        to_sign[name.lower()] = " ".join(value.split())
    signed_names = sorted(to_sign)
    query = []
    for pair in parts.query.split("&") if parts.query else ():
        key, _, value = pair.partition("=")
        query.append((quote(unquote(key), safe=_UNRESERVED), quote(unquote(value), safe=_UNRESERVED)))
    canonical_request = "\n".join(
        (
            method,
            quote(parts.path or "/", safe="/~"),
            "&".join(f"{k}={v}" for k, v in sorted(query)),
            "".join(f"{name}:{to_sign[name]}\n" for name in signed_names),
            ";".join(signed_names),
            hashlib.sha256(body).hexdigest(),
        )
    )
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ("AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest())
    )
    signing_key = _hmac(
        _hmac(_hmac(_hmac(f"AWS4{credentials.secret_key}".encode(), date), region), service), "aws4_request"
    )
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    added["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(signed_names)}, Signature={signature}"
    )
    return added


# -- the client ------------------------------------------------------------------------------------
class ServiceError(Exception):
    """An error answer of the service: AWS's error code, message and the HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code} (HTTP {status}): {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500 or self.code in _THROTTLING_CODES


def _error_from(status: int, headers: http.client.HTTPMessage, body: bytes) -> ServiceError:
    """AWS's error code and message from a rest-json error answer (header first, as botocore)."""
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    code = headers.get("x-amzn-ErrorType") or payload.get("code") or payload.get("__type") or ""
    code = code.split(":", 1)[0].rsplit("#", 1)[-1] or f"HTTP{status}"
    message = payload.get("message") or payload.get("Message") or (body.decode(errors="replace")[:200] if body else "")
    return ServiceError(status, code, str(message))


class HttpServiceClient:
    """:class:`~powertools_durable.service.client.DurableServiceClient` over one keep-alive connection.

    Thread-safe (one request at a time on the connection); ``sleep`` and ``clock`` are injectable
    for tests.
    """

    def __init__(
        self,
        region: str,
        endpoint: str | None = None,
        *,
        credentials: Credentials | None = None,
        max_attempts: int | None = None,
        base_delay: float = 0.05,
        max_delay: float = 5.0,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.region = region
        self.endpoint = (endpoint or f"https://lambda.{region}.amazonaws.com").rstrip("/")
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint URL: {self.endpoint!r}")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._base_path = parts.path.rstrip("/")
        self._credentials = credentials
        self.max_attempts = max(1, max_attempts or int(os.environ.get(ENV_MAX_ATTEMPTS) or DEFAULT_MAX_ATTEMPTS))
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._sleep = sleep
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> HttpServiceClient | None:
        """A client configured from the environment, or ``None`` when credentials or region are missing."""
        region = region_from_env()
        if region is None or credentials_from_env() is None:
            return None
        return cls(region, endpoint_from_env(region))

    # -- the two calls -----------------------------------------------------------------------------
    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[WireDict]) -> WireDict:
        # A fresh idempotency token per call, reused by its retries: botocore fills ClientToken the same way.
        body = json.dumps(
            {"CheckpointToken": checkpoint_token, "Updates": updates, "ClientToken": str(uuid.uuid4())},
            separators=(",", ":"),
        ).encode()
        path = f"{API_PREFIX}{quote(durable_execution_arn, safe=_UNRESERVED)}/checkpoint"
        return self._call("CheckpointDurableExecution", CheckpointError, "POST", path, body)

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> WireDict:
        query = "&".join(
            f"{name}={quote(value, safe=_UNRESERVED)}"
            for name, value in (("CheckpointToken", checkpoint_token), ("Marker", marker), ("MaxItems", str(max_items)))
        )
        path = f"{API_PREFIX}{quote(durable_execution_arn, safe=_UNRESERVED)}/state?{query}"
        return self._call("GetDurableExecutionState", GetExecutionStateError, "GET", path, b"")

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    # -- transport ---------------------------------------------------------------------------------
    def _call(self, operation: str, error: type[InvocationError], method: str, path: str, body: bytes) -> WireDict:
        last: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            reused = self._connection is not None
            try:
                status, headers, payload = self._send(method, self._base_path + path, body)
            except (OSError, http.client.HTTPException) as exc:  # connection refused/reset/closed, timeouts
                last = exc
                if attempt == 1 and reused:
                    continue  # an idle keep-alive connection the server closed: retry at once
            else:
                if 200 <= status < 300:
                    return _success_body(operation, error, status, payload)
                last = _error_from(status, headers, payload)
                if not last.retryable:
                    raise error(f"{operation} failed: {last}") from last
            if attempt < self.max_attempts:
                self._sleep(random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1))))
        raise error(f"{operation} failed after {self.max_attempts} attempts: {last}") from last

    def _send(self, method: str, path: str, body: bytes) -> tuple[int, http.client.HTTPMessage, bytes]:
        credentials = self._credentials or credentials_from_env()
        if credentials is None:
            raise http.client.HTTPException("no AWS credentials in the environment (AWS_ACCESS_KEY_ID, ...)")
        headers = {"Content-Type": "application/json"} if body else {}
        signed = sigv4_headers(
            method, f"{self._scheme}://{self._netloc()}{path}", headers, body, credentials, self.region, _now()
        )
        headers.update(signed)
        headers["User-Agent"] = USER_AGENT
        with self._lock:
            connection = self._connect()
            try:
                connection.request(method, path, body=body or None, headers=headers)
                response = connection.getresponse()
                payload = response.read()
            except BaseException:
                self._drop_connection()
                raise
            if response.will_close:
                self._drop_connection()
            return response.status, response.headers, payload

    def _netloc(self) -> str:
        return self._host if self._port is None else f"{self._host}:{self._port}"

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            connection = cls(self._host, self._port, timeout=self.connect_timeout)
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(self.read_timeout)
            self._connection = connection
        return self._connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _success_body(operation: str, error: type[InvocationError], status: int, payload: bytes) -> WireDict:
    """The JSON object of a 2xx answer; anything else (HTML from a proxy, an array) fails the invocation."""
    if not payload:
        return {}
    try:
        result = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise error(f"{operation} answered HTTP {status} with a body that is not JSON: {payload[:80]!r}") from exc
    if not isinstance(result, dict):
        raise error(f"{operation} answered HTTP {status} with a JSON {type(result).__name__}, not an object")
    return result


def _now() -> datetime:
    return datetime.now(UTC)
