"""Every environment variable osiris reads, documented: the one list the code declares.

The README's configuration table and the manifest tests are checked against it, and the
environment reader refuses to read a variable that is not in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from osiris.config.settings import DEFAULT_SWEEP_SELECTOR


@dataclass(frozen=True)
class Variable:
    """One environment variable osiris reads (the README table and manifest tests use it)."""

    name: str
    functions: frozenset[str]
    default: str
    description: str


_BOTH = frozenset({"archive", "lookup", "sweep"})  # storage and cluster: every function
_ARCHIVE = frozenset({"archive", "sweep"})  # the sweep archives through the same code
_LOOKUP = frozenset({"lookup"})
_SWEEP = frozenset({"sweep"})

VARIABLES: tuple[Variable, ...] = (
    Variable(
        "OSIRIS_STORAGE_URL",
        _BOTH,
        "s3://$BUCKET_NAME",
        "s3://<bucket> for S3/Ceph, or file:///<dir> for a local directory",
    ),
    Variable("OSIRIS_PREFIX", _BOTH, "osiris", "key prefix inside the bucket"),
    Variable(
        "OSIRIS_CLUSTER",
        _BOTH,
        "default",
        "cluster name in the key layout (DNS-1123 label); several clusters share a bucket",
    ),
    Variable(
        "OSIRIS_S3_ENDPOINT",
        _BOTH,
        "from BUCKET_HOST/BUCKET_PORT, else AWS",
        "S3 endpoint URL, e.g. https://rgw.example:443",
    ),
    Variable(
        "BUCKET_NAME",
        _BOTH,
        "",
        "ObjectBucketClaim: bucket (used when OSIRIS_STORAGE_URL is unset)",
    ),
    Variable("BUCKET_HOST", _BOTH, "", "ObjectBucketClaim: S3 host"),
    Variable("BUCKET_PORT", _BOTH, "443", "ObjectBucketClaim: S3 port (443 means HTTPS)"),
    Variable("BUCKET_REGION", _BOTH, "", "ObjectBucketClaim: region (empty with Ceph RGW)"),
    Variable(
        "OSIRIS_S3_SCHEME",
        _BOTH,
        "https on port 443, else http",
        "scheme for BUCKET_HOST/BUCKET_PORT",
    ),
    Variable("AWS_ACCESS_KEY_ID", _BOTH, "(required for S3)", "S3 access key"),
    Variable("AWS_SECRET_ACCESS_KEY", _BOTH, "(required for S3)", "S3 secret key"),
    Variable("OSIRIS_S3_REGION", _BOTH, "BUCKET_REGION or us-east-1", "S3 signing region"),
    Variable("OSIRIS_S3_CA_BUNDLE", _BOTH, "system CAs", "PEM file with the CA of the S3 endpoint"),
    Variable(
        "OSIRIS_S3_VERIFY_TLS",
        _BOTH,
        "true",
        "verify the S3 endpoint's certificate (verified TLS: bodies sent unsigned, TLS protects them)",
    ),
    Variable(
        "KUBECONFIG",
        _BOTH,
        "the pod's service account",
        "kubeconfig file(s) for the cluster API when not running in a pod",
    ),
    Variable("OSIRIS_LOG_LEVEL", _BOTH, "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Variable("OSIRIS_PART_SIZE_MB", _ARCHIVE, "8", "multipart part size in MiB (5-512)"),
    Variable(
        "OSIRIS_GZIP_LEVEL",
        _ARCHIVE,
        "1",
        "gzip level 1-9 as in zlib; with ISA-L (the default where `isal` installs) 1-3 run its level 1, 4-6 its 2, 7-9 its 3",
    ),
    Variable(
        "OSIRIS_COMPRESS_WORKERS", _ARCHIVE, "2", "threads compressing log blocks in parallel"
    ),
    Variable("OSIRIS_UPLOAD_CONCURRENCY", _ARCHIVE, "2", "multipart parts uploaded at once"),
    Variable(
        "OSIRIS_LOG_READ_TIMEOUT",
        _ARCHIVE,
        "60",
        "seconds a log stream may stall before the attempt is retried",
    ),
    Variable(
        "OSIRIS_RULES_FILE",
        _ARCHIVE,
        "the built-in rules",
        "YAML file of finding rules that add to or override the built-in ones (docs/findings.md)",
    ),
    Variable(
        "OSIRIS_AUTH",
        _LOOKUP,
        "openshift",
        "openshift (TokenReview + SubjectAccessReview) or none (local runs only)",
    ),
    Variable("OSIRIS_AUTH_CACHE_TTL", _LOOKUP, "10", "seconds an access decision is cached"),
    Variable(
        "OSIRIS_SEARCH_BUDGET_MB",
        _LOOKUP,
        "256",
        "MiB of decoded log one search request reads at most; the rest is the next page",
    ),
    Variable(
        "OSIRIS_SEARCH_TIME_BUDGET",
        _LOOKUP,
        "10",
        "seconds one search request reads logs at most; the rest is the next page",
    ),
    Variable(
        "OSIRIS_TRUST_FORWARDED_TOKEN",
        _LOOKUP,
        "false",
        "true behind the oauth-proxy sidecar: X-Forwarded-Access-Token from a loopback peer "
        "is reviewed like a bearer token (needs OSIRIS_AUTH=openshift)",
    ),
    Variable(
        "OSIRIS_SWEEP_NAMESPACE_SELECTOR",
        _SWEEP,
        DEFAULT_SWEEP_SELECTOR,
        "label selector of the namespaces swept (kubernetes.io/metadata.name: all of them)",
    ),
    Variable("OSIRIS_SWEEP_MAX_BUILDS", _SWEEP, "100", "builds one sweep run archives at most"),
    Variable("OSIRIS_SWEEP_CONCURRENCY", _SWEEP, "2", "builds a sweep run archives at once"),
    Variable(
        "OSIRIS_SWEEP_TIME_BUDGET",
        _SWEEP,
        "480",
        "seconds after which a sweep run starts no new build (the rest waits for the next "
        "run); listing namespaces stops at half of it",
    ),
)


def variables_for(function: str) -> tuple[Variable, ...]:
    return tuple(variable for variable in VARIABLES if function in variable.functions)
