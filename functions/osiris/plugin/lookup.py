"""The lookup function's HTTP API (docs/lookup-api.md), as the plugin uses it.

One urllib3 pool; TLS like kubectl: the system CAs, or ``--certificate-authority``, or no
verification with ``--insecure-skip-tls-verify``. The user's bearer token goes with every
request. urllib3 exceptions and problem answers become osiris errors here.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urlencode

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from osiris.errors import (
    AuthenticationError,
    LogUnavailableError,
    NotFoundError,
    OsirisError,
    PermanentError,
    PermissionDeniedError,
)
from osiris.plugin.errors import LookupUnreachableError

CHUNK = 64 * 1024
API = "/api/v1"
_NAMESPACE_IN_PATH = re.compile(r"/namespaces/([^/?]+)")


class LookupClient:
    def __init__(
        self,
        base_url: str,
        origin: str,
        authorization: str | None,
        *,
        certificate_authority: str | None = None,
        insecure: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = origin  # how the URL was found, for error messages
        self._authorization = authorization
        if insecure:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._pool = urllib3.PoolManager(
            cert_reqs=ssl.CERT_NONE if insecure else ssl.CERT_REQUIRED,
            ca_certs=certificate_authority,
            retries=False,
            timeout=urllib3.Timeout(connect=10.0, read=60.0),
        )

    def _get(self, path: str, query: dict[str, str], accept: str) -> urllib3.BaseHTTPResponse:
        headers = {"Accept": accept, "Accept-Encoding": "identity", "User-Agent": "kubectl-osiris"}
        if self._authorization:
            headers["Authorization"] = self._authorization
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        try:
            response = self._pool.request(
                "GET", url, headers=headers, preload_content=False, redirect=False
            )
        except Urllib3Error as exc:
            raise LookupUnreachableError(
                f"cannot reach the osiris lookup at {self.base_url} ({self.origin}): "
                f"{type(exc).__name__}"
            ) from None
        if response.status >= 400:
            try:
                raise self._problem(path, response.status, response.read(65536))
            finally:
                response.release_conn()
        return response

    def _problem(self, path: str, status: int, body: bytes) -> OsirisError:
        try:
            problem = json.loads(body)
        except ValueError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        kind = str(problem.get("type", ""))
        detail = str(problem.get("detail", "")) or f"HTTP {status}"
        if status == 401:
            return AuthenticationError(
                f"the osiris lookup at {self.base_url} refused the token: log in again "
                "(oc login) or check the kubeconfig's user"
            )
        if status == 403:
            namespace = _NAMESPACE_IN_PATH.search(path)
            where = (
                f'namespace "{unquote(namespace.group(1))}"' if namespace else "these namespaces"
            )
            return PermissionDeniedError(
                f"you may not read runs and their logs in {where} (the osiris lookup "
                f"answered 403: {detail}); ask for get on builds/log there"
            )
        if status == 404 and kind.endswith("#problem-log-unavailable"):
            return LogUnavailableError(detail, str(problem.get("reason") or ""))
        if status == 404:
            return NotFoundError(detail)
        if status >= 500:
            return LookupUnreachableError(
                f"the osiris lookup at {self.base_url} ({self.origin}) answered {status}: {detail}"
            )
        return PermanentError(f"the osiris lookup refused the request: {detail}")

    def get_json(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        response = self._get(API + path, query or {}, "application/json")
        try:
            data = response.read()
        except Urllib3Error as exc:
            raise LookupUnreachableError(
                f"the osiris lookup at {self.base_url} broke off: {type(exc).__name__}"
            ) from None
        finally:
            response.release_conn()
        try:
            document = json.loads(data)
        except ValueError:
            raise LookupUnreachableError(
                f"{self.base_url} ({self.origin}) did not answer JSON: is it the osiris lookup?"
            ) from None
        if not isinstance(document, dict):
            raise LookupUnreachableError(f"{self.base_url} answered an unexpected document")
        return document

    def pages(
        self, path: str, query: dict[str, str], limit: int | None
    ) -> Iterator[dict[str, Any]]:
        """The items of a paged list, following ``nextPageToken`` until ``limit`` items."""
        count = 0
        token: str | None = None
        while True:
            page_query = dict(query, limit=str(min(1000, limit or 1000)))
            if token:
                page_query["pageToken"] = token
            page = self.get_json(path, page_query)
            for item in page.get("items") or []:
                yield item
                count += 1
                if limit is not None and count >= limit:
                    return
            token = page.get("nextPageToken")
            if not token:
                return

    def log(
        self,
        resource: str,
        namespace: str,
        name: str,
        uid: str | None,
        tail: int | None,
        step: str | None = None,
    ) -> Iterator[bytes]:
        """A run's log as stored, streamed (the lookup decodes the gzip on the fly):
        ``resource`` "builds", "taskruns" (one ``step``, else every step prefixed) or
        "pipelineruns" (every TaskRun's steps, prefixed)."""
        query: dict[str, str] = {}
        if uid:
            query["uid"] = uid
        if step is not None:
            query["step"] = step
        if tail is not None:
            query["tail"] = str(tail)
        path = f"{API}/namespaces/{quote(namespace)}/{resource}/{quote(name)}/log"
        response = self._get(path, query, "text/plain")
        try:
            yield from response.stream(CHUNK, decode_content=False)
        except Urllib3Error as exc:
            raise LookupUnreachableError(
                f"the log stream from {self.base_url} broke off: {type(exc).__name__}"
            ) from None
        finally:
            response.release_conn()
