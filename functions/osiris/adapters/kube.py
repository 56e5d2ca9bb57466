"""The cluster API at the edge: JSON requests and streamed reads, errors translated.

The kubernetes client finds the cluster the usual way (the in-cluster service account,
else ``KUBECONFIG``/``~/.kube/config``) and provides the CA, client certificates and
token. Requests then go through one urllib3 pool built from that configuration: the
generated client's request helpers change shape between releases and buffer bodies,
while a build log must be streamed and a cut stream must be noticed.

urllib3 exceptions end here. A k8s ``Status`` body becomes the error's message.
"""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from osiris.buffers import BlockPool
from osiris.errors import (
    ApiRejectedError,
    AuthenticationError,
    ClusterUnavailableError,
    NotFoundError,
    OsirisError,
    PermissionDeniedError,
    TruncatedStreamError,
)

_RETRYABLE_STATUS = {401, 403, 408, 429}  # 401/403: the function's own credentials are wrong


class KubeApi:
    def __init__(
        self, configuration: Any, read_timeout: float = 60.0, *, caller_credentials: bool = False
    ) -> None:
        # caller_credentials: the token is a person's (the plugin), so 401/403 are theirs
        # to fix and permanent; for a function's own service account they are retryable.
        self._caller_credentials = caller_credentials
        self._configuration = configuration
        self._base = str(configuration.host).rstrip("/")
        self._timeout = urllib3.Timeout(connect=10.0, read=read_timeout)
        self._pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=8,
            cert_reqs=ssl.CERT_REQUIRED if configuration.verify_ssl else ssl.CERT_NONE,
            ca_certs=configuration.ssl_ca_cert,
            cert_file=configuration.cert_file,
            key_file=configuration.key_file,
            retries=False,
        )

    @classmethod
    def from_environment(cls, read_timeout: float = 60.0, kubeconfig: str | None = None) -> KubeApi:
        """In a pod: its service account. Outside: the current context of ``kubeconfig``
        (the client's default location when None)."""
        from kubernetes import config as kube_config
        from kubernetes.client import Configuration

        configuration = Configuration()
        try:
            kube_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        except kube_config.ConfigException:
            try:
                kube_config.load_kube_config(
                    config_file=kubeconfig, client_configuration=configuration
                )  # type: ignore[no-untyped-call]
            except (kube_config.ConfigException, OSError) as exc:
                raise ClusterUnavailableError(
                    f"no cluster configuration (in-cluster or kubeconfig): {exc}"
                ) from None
        return cls(configuration, read_timeout)

    @property
    def server(self) -> str:
        return self._base

    def authorization(self) -> str | None:
        """The Authorization header value the client sends (``Bearer <token>``), if any."""
        # Calls the refresh hook, so a rotated service-account token is picked up.
        # kubernetes >= 33 stores the kubeconfig token as "BearerToken", older ones as "authorization".
        token = self._configuration.get_api_key_with_prefix("BearerToken", alias="authorization")
        return str(token) if token else None

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": "osiris"}
        token = self.authorization()
        if token:
            headers["Authorization"] = token
        return headers

    def _url(self, path: str, query: dict[str, str] | None) -> str:
        return self._base + path + (f"?{urlencode(query)}" if query else "")

    def _send(
        self, method: str, path: str, query: dict[str, str] | None, body: bytes | None, accept: str
    ) -> urllib3.BaseHTTPResponse:
        headers = self._headers(accept)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self._pool.request(
                method,
                self._url(path, query),
                body=body,
                headers=headers,
                timeout=self._timeout,
                preload_content=False,
                redirect=False,
            )
        except Urllib3Error as exc:
            raise ClusterUnavailableError(f"{method} {path}: {type(exc).__name__}") from None
        if response.status >= 400:
            try:
                error = _status_error(method, path, response.status, response.read(65536))
                if self._caller_credentials and response.status == 401:
                    error = AuthenticationError(error.message)
                elif self._caller_credentials and response.status == 403:
                    error = PermissionDeniedError(error.message)
                raise error
            finally:
                response.release_conn()
        return response

    def get_json(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        return self._json("GET", path, query, None)

    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json("POST", path, None, json.dumps(body).encode())

    def _json(
        self, method: str, path: str, query: dict[str, str] | None, body: bytes | None
    ) -> dict[str, Any]:
        response = self._send(method, path, query, body, "application/json")
        try:
            data = response.read()
        except Urllib3Error as exc:
            raise ClusterUnavailableError(f"{method} {path}: {type(exc).__name__}") from None
        finally:
            response.release_conn()
        try:
            document = json.loads(data)
        except ValueError:
            raise ClusterUnavailableError(f"{method} {path}: the answer is not JSON") from None
        if not isinstance(document, dict):
            raise ClusterUnavailableError(f"{method} {path}: the answer is not a JSON object")
        return document

    def open_stream(
        self,
        path: str,
        query: dict[str, str] | None = None,
        *,
        block_size: int | None = None,
        buffers: BlockPool | None = None,
    ) -> BodyStream:
        """Start streaming a body; iterate it, then close it.

        ``block_size``: yield chunks of exactly that size (the last one shorter) instead
        of what arrives, for a reader that wants whole blocks and not the first bytes soon;
        ``buffers``: where those blocks come from (blocks of another size: not used).
        """
        response = self._send("GET", path, query, None, "text/plain, */*")
        if buffers is not None and buffers.size != block_size:
            buffers = None
        return BodyStream(path, response, block_size, buffers)


class BodyStream:
    """A streamed response body. A stream cut before its end raises TruncatedStreamError."""

    def __init__(
        self,
        path: str,
        response: urllib3.BaseHTTPResponse,
        block_size: int | None = None,
        buffers: BlockPool | None = None,
    ) -> None:
        self._path = path
        self._response = response
        self._block_size = block_size
        self._buffers = buffers

    def __iter__(self) -> Iterator[bytes]:
        raw = _undecoded_body(self._response)
        if self._block_size is not None and raw is not None:
            yield from self._blocks(raw, self._block_size)
            return
        try:
            yield from self._response.stream(256 * 1024, decode_content=True)
        except (ProtocolError, ReadTimeoutError) as exc:
            raise self._broken(exc) from None
        except Urllib3Error as exc:
            raise ClusterUnavailableError(f"GET {self._path}: {type(exc).__name__}") from None

    def _blocks(self, raw: http.client.HTTPResponse, size: int) -> Iterator[bytes]:
        # http.client decodes the chunked framing straight into the block: TLS decrypts
        # into it and no byte is copied on the way, where urllib3's stream() makes a
        # bytes object per HTTP chunk (64 KiB from the API server) to be joined again.
        while True:
            block = bytearray(size) if self._buffers is None else self._buffers.take()
            view = memoryview(block)
            filled = 0
            try:
                while filled < size:
                    read = raw.readinto(view[filled:])
                    if not read:
                        break
                    filled += read
            except (http.client.HTTPException, OSError) as exc:
                raise self._broken(exc) from None
            finally:
                view.release()
            if filled < size:
                del block[filled:]
            if block:
                # Never written again while its readers (hashlib, deflate, the finding
                # scanner) have it: a fresh buffer, or one they gave back to ``buffers``.
                # As good as bytes to them, without the copy.
                yield cast("bytes", block)
            if filled < size:
                return

    def _broken(self, exc: Exception) -> TruncatedStreamError:
        return TruncatedStreamError(f"GET {self._path}: the stream broke ({exc})")

    def close(self) -> None:
        self._response.release_conn()


def _undecoded_body(response: urllib3.BaseHTTPResponse) -> http.client.HTTPResponse | None:
    """The http.client response under urllib3's, if its body needs no content decoding."""
    raw = getattr(response, "_fp", None)  # urllib3 2.x keeps http.client's response here
    if not isinstance(raw, http.client.HTTPResponse):
        return None
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None
    return raw


def _status_error(method: str, path: str, code: int, body: bytes) -> OsirisError:
    """A k8s error answer → the osiris error; the Status message is kept, briefly."""
    message, reason = "", ""
    try:
        status = json.loads(body)
        if isinstance(status, dict):
            message = str(status.get("message", ""))[:300]
            reason = str(status.get("reason", ""))
    except ValueError:
        message = body[:300].decode("utf-8", "replace")
    text = f"{method} {path}: {code} {reason} {message}".strip()
    if code == 404:
        return NotFoundError(text)
    if code >= 500 or code in _RETRYABLE_STATUS:
        return ClusterUnavailableError(text)
    return ApiRejectedError(text, code, reason or message)
