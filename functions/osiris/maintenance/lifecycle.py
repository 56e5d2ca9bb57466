"""S3 lifecycle rules that expire every object of a run together. Pure: no I/O.

Every object of a run of any kind (logs, document, index entries) is written within
seconds and lives under ``<prefix>/v1/<cluster>/``, so one ``Expiration`` rule on that
prefix removes a run's logs, document and index entries in the same lifecycle pass (a
PipelineRun's TaskRuns are written minutes apart at most, so they go within a day of
it). For a per-phase policy every object carries its run's phase as the tag ``osiris-phase``,
and one rule per phase filters on prefix and tag (Ceph RGW 16 honours tag filters).
A prefix-only rule with the longest retention still catches objects written before
tagging existed; where rules overlap, the shortest expiration wins, so it changes
nothing for tagged objects.

The rules osiris owns for one cluster are recognised by their ID prefix
``osiris <root>``; ``merge_rules`` replaces those and keeps every other rule of the
bucket (other clusters' rules, rules an administrator added).
"""

from __future__ import annotations

from typing import Any

from osiris.archive.service import PHASE_TAG
from osiris.core.keys import KeyLayout
from osiris.kinds import ALL_PHASES
from osiris.maintenance.policy import RetentionPolicy

Rule = dict[str, Any]
MAX_RULE_ID = 255


def rule_id_prefix(layout: KeyLayout) -> str:
    return f"osiris {layout.root}"


def owned(rule: Rule, layout: KeyLayout) -> bool:
    return str(rule.get("ID", "")).startswith(rule_id_prefix(layout))


def lifecycle_rules(layout: KeyLayout, policy: RetentionPolicy, abort_days: int) -> list[Rule]:
    base = rule_id_prefix(layout)
    if len(base) + 40 > MAX_RULE_ID:
        raise ValueError(f"the key prefix {layout.root!r} is too long for a lifecycle rule ID")
    root = layout.root
    rules: list[Rule] = [
        {
            "ID": f"{base} expire",
            "Status": "Enabled",
            "Filter": {"Prefix": root},
            "Expiration": {"Days": policy.longest},
        }
    ]
    if policy.per_phase:
        rules += [
            {
                "ID": f"{base} expire {phase}",
                "Status": "Enabled",
                "Filter": {"And": {"Prefix": root, "Tags": [{"Key": PHASE_TAG, "Value": phase}]}},
                "Expiration": {"Days": policy.days_for(phase)},
            }
            for phase in ALL_PHASES
            if policy.days_for(phase) < policy.longest
        ]
    rules.append(
        {
            "ID": f"{base} abort incomplete uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": root},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": abort_days},
        }
    )
    return rules


def merge_rules(existing: list[Rule], ours: list[Rule], layout: KeyLayout) -> list[Rule]:
    """The bucket's rules with this cluster's osiris rules replaced by ``ours``."""
    kept = [normalise(rule) for rule in existing if not owned(rule, layout)]
    return kept + ours


def without_ours(existing: list[Rule], layout: KeyLayout) -> list[Rule]:
    return [normalise(rule) for rule in existing if not owned(rule, layout)]


def normalise(rule: Rule) -> Rule:
    """A rule as read back → a rule that can be written again.

    RGW answers a prefix-and-one-tag filter as ``{"Prefix": p, "Tag": t}``, which is not
    valid input; S3 wants ``{"And": {"Prefix": p, "Tags": [t]}}``.
    """
    result = dict(rule)
    flt = result.get("Filter")
    if isinstance(flt, dict) and "Tag" in flt and "Prefix" in flt:
        result["Filter"] = {"And": {"Prefix": flt["Prefix"], "Tags": [flt["Tag"]]}}
    return result
