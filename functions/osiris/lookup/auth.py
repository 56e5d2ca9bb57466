"""Who is asking, and may they read build logs in a namespace?

The lookup function asks the cluster (TokenReview, then SubjectAccessReview for
``get`` on ``builds/log``) through an :class:`AccessReviewer`; decisions are cached for
a short TTL per token and namespace so that auth does not dominate latency. The cache
holds a SHA-256 digest of the token, never the token. A cluster that cannot be
reached is an error (503), never an open door, and that outcome is not cached.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import NamedTuple, Protocol, TypeVar

from osiris.errors import AuthenticationError

K = TypeVar("K")
V = TypeVar("V")

MAX_TOKEN_LENGTH = 16 * 1024
_TOKEN68 = r"[A-Za-z0-9\-._~+/]+=*"  # RFC 6750 b64token
_BEARER = re.compile(rf"Bearer +({_TOKEN68}) *", re.IGNORECASE)
_BARE_TOKEN = re.compile(rf" *({_TOKEN68}) *")
# Set by OpenShift's oauth-proxy (--pass-access-token) to the logged-in user's token.
FORWARDED_TOKEN_HEADER = "X-Forwarded-Access-Token"  # noqa: S105 - a header name
# Where a TokenReview reports an OpenShift OAuth token's scopes (User.extra).
SCOPES_EXTRA = "scopes.authorization.openshift.io"
# What the oauth-proxy sidecar asks the OAuth server for (--scope, its default): who the
# user is, and the right to check the user's permissions. A service account as OAuth
# client can ask for nothing wider outside its own namespace.
PROXY_SCOPES = frozenset({"user:info", "user:check-access"})


@dataclass(frozen=True)
class User:
    username: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Digest of the token the user was authenticated with: the cache key.
    session: str = field(default="", repr=False)


class AccessReviewer(Protocol):
    def authenticate(self, token: str) -> User:
        """The user behind a token; AuthenticationError if the cluster rejects it."""

    def may_read_logs(self, user: User, namespace: str) -> bool: ...


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header; AuthenticationError otherwise."""
    if not authorization:
        raise AuthenticationError("a bearer token is required (Authorization: Bearer <token>)")
    if len(authorization) > MAX_TOKEN_LENGTH:
        raise AuthenticationError("the bearer token is not valid")
    match = _BEARER.fullmatch(authorization)
    if match is None:
        raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
    return match.group(1)


class Credential(NamedTuple):
    token: str
    forwarded: bool  # from X-Forwarded-Access-Token (the proxy's session), not Authorization


def request_token(
    authorization: str | None, forwarded: str | None, *, trust_forwarded: bool
) -> Credential:
    """The token a request presents; AuthenticationError when it presents none or a bad one.

    ``forwarded`` is the X-Forwarded-Access-Token header. It counts only when
    ``trust_forwarded`` (configured, and the peer is the proxy on loopback) and the request
    has no Authorization header: a caller's own credential always wins, and an untrusted
    forwarded header is ignored as if it were absent. Either token is then reviewed by the
    cluster; :func:`proxy_session_user` is the one difference for a forwarded token.
    """
    if authorization or not forwarded or not trust_forwarded:
        return Credential(bearer_token(authorization), forwarded=False)
    if len(forwarded) > MAX_TOKEN_LENGTH:
        raise AuthenticationError(f"the {FORWARDED_TOKEN_HEADER} header is not valid")
    match = _BARE_TOKEN.fullmatch(forwarded)
    if match is None:
        raise AuthenticationError(f"the {FORWARDED_TOKEN_HEADER} header is not a token")
    return Credential(match.group(1), forwarded=True)


def proxy_session_user(user: User) -> User:
    """The user to check namespaces for, behind a token the oauth-proxy sidecar obtained.

    That token is scoped ``user:info user:check-access``: the user let this application
    learn who they are and check what they may do. Reviewed with those scopes, every
    namespace would be refused, since neither scope covers ``builds/log``. oauth-proxy's
    own ``--openshift-sar`` asks about the unscoped user for the same reason, so the
    review here does too. Only those scopes are dropped (``user:check-access`` must be
    among them): a forwarded token with any other scope keeps all of them. The session key changes as well, so a decision
    cached for this channel never answers the same token sent as a bearer token.
    """
    scopes = dict(user.extra).get(SCOPES_EXTRA)
    if scopes is None or "user:check-access" not in scopes or not set(scopes) <= PROXY_SCOPES:
        return user
    extra = tuple((key, values) for key, values in user.extra if key != SCOPES_EXTRA)
    return replace(user, extra=extra, session=f"{user.session}:check-access")


def is_loopback(address: str | None) -> bool:
    """Whether a peer address is this host (127.0.0.0/8, ::1, or IPv4-mapped 127.x)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class OpenAccess:
    """AUTH=none: everybody may read everything (local runs only)."""

    ANONYMOUS = User("system:anonymous", session="none")

    def authenticate(self, token: str) -> User:
        return self.ANONYMOUS

    def may_read_logs(self, user: User, namespace: str) -> bool:
        return True


class CachedAccessReviewer:
    """Caches another reviewer's answers for ``ttl`` seconds (clock injected for tests)."""

    def __init__(
        self,
        inner: AccessReviewer,
        ttl: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self._inner = inner
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._users: dict[str, tuple[float, User | None]] = {}
        self._decisions: dict[tuple[str, str], tuple[float, bool]] = {}

    def authenticate(self, token: str) -> User:
        digest = token_digest(token)
        now = self._clock()
        with self._lock:
            cached = self._users.get(digest)
        if cached is not None and cached[0] > now:
            if cached[1] is None:
                raise AuthenticationError("the bearer token was not accepted by the cluster")
            return cached[1]
        try:
            user = self._inner.authenticate(token)
        except AuthenticationError:
            self._remember(self._users, digest, None)
            raise
        user = User(user.username, user.uid, user.groups, user.extra, session=digest)
        self._remember(self._users, digest, user)
        return user

    def may_read_logs(self, user: User, namespace: str) -> bool:
        key = (user.session, namespace)
        now = self._clock()
        with self._lock:
            cached = self._decisions.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        allowed = self._inner.may_read_logs(user, namespace)
        self._remember(self._decisions, key, allowed)
        return allowed

    def _remember(self, cache: dict[K, tuple[float, V]], key: K, value: V) -> None:
        if self._ttl <= 0:
            return
        now = self._clock()
        with self._lock:
            if len(cache) >= self._max_entries:
                for stale in [k for k, (expiry, _) in cache.items() if expiry <= now]:
                    del cache[stale]
                while len(cache) >= self._max_entries:
                    del cache[next(iter(cache))]  # the oldest insertion
            cache[key] = (now + self._ttl, value)
