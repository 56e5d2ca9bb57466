"""OpenShift builds through the cluster API: read a Build, stream its log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from osiris.adapters.kube import KubeApi
from osiris.contract import BUILD_API_VERSION
from osiris.errors import ApiRejectedError, LogUnavailableError, NotFoundError


class LogStream(Iterable[bytes], Protocol):
    def close(self) -> None: ...


class BuildSource(Protocol):
    def get_build(self, namespace: str, name: str) -> dict[str, Any]:
        """The Build object; NotFoundError once it is gone."""

    def open_log(self, namespace: str, name: str) -> LogStream:
        """The build's whole log as a stream; LogUnavailableError if it cannot be had."""


class OpenShiftBuilds:
    def __init__(self, api: KubeApi) -> None:
        self._api = api

    @staticmethod
    def build_path(namespace: str, name: str) -> str:
        return f"/apis/{BUILD_API_VERSION}/namespaces/{namespace}/builds/{name}"

    def get_build(self, namespace: str, name: str) -> dict[str, Any]:
        return self._api.get_json(self.build_path(namespace, name))

    def open_log(self, namespace: str, name: str) -> LogStream:
        # openshift-apiserver answers 400 when the build never ran (Error, Cancelled)
        # or its pod is gone, and 404 when the build itself is gone: nothing to wait for.
        try:
            return self._api.open_stream(self.build_path(namespace, name) + "/log")
        except ApiRejectedError as exc:
            if exc.code != 400:
                raise
            raise LogUnavailableError(exc.message, reason=exc.reason or "BadRequest") from None
        except NotFoundError as exc:
            raise LogUnavailableError(exc.message, reason="NotFound") from None
