"""A small, faithful re-implementation of ``oc process --local`` for tests.

There is no cluster and no ``oc`` binary here, so the OpenShift Templates in ``openshift/``
are processed by this module instead. It follows the rules of openshift/library-go
``pkg/template/templateprocessing/template.go`` (commit 93ac9206ae34) and ``object.go``, and
``oc process`` (openshift/oc ``pkg/cli/process/process.go``), as recorded in
``tests/data/schemas/README.md``:

* ``-p NAME=VALUE`` sets the value and clears ``generate``; an unknown name or the same name
  given twice is an error (``--ignore-unknown-parameters`` is not modelled).
* Values are generated first (``generate: expression`` + ``from``, only when the value is
  empty); a ``required`` parameter that ends up empty is an error.
* ``${{KEY}}`` replaces a string that is *exactly* that reference; the result is decoded as
  JSON when it parses (number, bool, object, ...), otherwise it stays a string.
* ``${KEY}`` is replaced anywhere inside strings and map keys, any number of times; a
  reference to an undefined parameter is left as it is.
* A hard-coded ``metadata.namespace`` is removed unless it contains a ``${...}`` reference.
* The template's ``labels`` (substituted as text) are added to every object's labels,
  overwriting labels with the same key.
"""

from __future__ import annotations

import copy
import json
import random
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The two regular expressions exactly as library-go spells them.
STRING_PARAMETER = re.compile(r"\$\{([a-zA-Z0-9\_]+?)\}")
NON_STRING_PARAMETER = re.compile(r"^\$\{\{([a-zA-Z0-9\_]+)\}\}$")
# openshift-apiserver validation.go ParameterNameRegexp.
PARAMETER_NAME = re.compile(r"^[a-zA-Z0-9_]+$")


class TemplateError(Exception):
    """What ``oc process`` would refuse, with the same reasons."""


@dataclass(frozen=True)
class ProcessedTemplate:
    objects: list[dict[str, Any]]
    message: str
    values: dict[str, str]


def parse_parameter_arguments(arguments: Sequence[str]) -> dict[str, str]:
    """Turn ``["KEY=VALUE", ...]`` (the ``-p`` flags) into a mapping; duplicates are errors."""
    values: dict[str, str] = {}
    for argument in arguments:
        name, separator, value = argument.partition("=")
        if not separator:
            raise TemplateError(f"invalid parameter assignment {argument!r}: expected KEY=VALUE")
        if name in values:
            raise TemplateError(f"parameter {name!r} was given more than once")
        values[name] = value
    return values


def process(
    template: Mapping[str, Any],
    arguments: Sequence[str] = (),
    *,
    rng: random.Random | None = None,
) -> ProcessedTemplate:
    """Process ``template`` as ``oc process --local -f template -p ARG ...`` would."""
    given = parse_parameter_arguments(arguments)
    parameters = [dict(parameter) for parameter in template.get("parameters") or []]
    names = [str(parameter["name"]) for parameter in parameters]
    for name in names:
        if not PARAMETER_NAME.match(name):
            raise TemplateError(f"parameter name {name!r} must match {PARAMETER_NAME.pattern}")
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise TemplateError(f"unknown parameter name(s): {', '.join(unknown)}")

    for parameter in parameters:
        if parameter["name"] in given:
            parameter["value"] = given[parameter["name"]]
            parameter.pop("generate", None)
    values = _resolve_values(parameters, rng or random.Random())

    message, _ = substitute_string(str(template.get("message", "")), values)
    labels: dict[str, str] = {}
    for key, value in (template.get("labels") or {}).items():
        new_key, _ = substitute_string(str(key), values)
        labels[new_key], _ = substitute_string(str(value), values)

    objects = []
    for index, item in enumerate(template.get("objects") or []):
        obj = copy.deepcopy(dict(item))
        _strip_namespace(obj)
        try:
            substituted = _visit(obj, values)
        except TemplateError as exc:
            raise TemplateError(f"objects[{index}]: {exc}") from None
        if labels:
            metadata = substituted.setdefault("metadata", {})
            metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
        objects.append(substituted)
    return ProcessedTemplate(objects=objects, message=message, values=values)


def _resolve_values(parameters: Iterable[dict[str, Any]], rng: random.Random) -> dict[str, str]:
    values: dict[str, str] = {}
    missing = []
    for parameter in parameters:
        value = str(parameter.get("value") or "")
        generator = parameter.get("generate")
        if not value and generator:
            if generator != "expression":
                raise TemplateError(
                    f"Unknown generator name {generator!r} for parameter {parameter['name']}"
                )
            value = generate_expression(str(parameter.get("from", "")), rng)
        if not value and parameter.get("required"):
            missing.append(parameter["name"])
        values[parameter["name"]] = value
    if missing:
        raise TemplateError(f"required parameter(s) without a value: {', '.join(missing)}")
    return values


def substitute_string(text: str, values: Mapping[str, str]) -> tuple[str, bool]:
    """library-go ``EvaluateParameterSubstitution``: the new text and whether it stays a string."""
    exact = NON_STRING_PARAMETER.match(text)
    if exact and exact.group(1) in values:
        return values[exact.group(1)], False
    out = text
    for match in STRING_PARAMETER.finditer(text):
        if match.group(1) in values:
            # Go's strings.Replace(out, match, value, 1): the first remaining occurrence.
            out = out.replace(match.group(0), values[match.group(1)], 1)
    return out, True


def _visit(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        text, as_string = substitute_string(node, values)
        if as_string:
            return text
        try:
            return json.loads(text)
        except ValueError:
            return text
    if isinstance(node, list):
        return [_visit(item, values) for item in node]
    if isinstance(node, dict):
        result: dict[str, Any] = {}
        for key, value in node.items():
            new_key, as_string = substitute_string(str(key), values)
            if not as_string:
                # A Go map key is a string field: a non-string value cannot be set there.
                raise TemplateError(f"attempted to set a map key to non-string value {new_key!r}")
            result[new_key] = _visit(value, values)
        return result
    return node


def _strip_namespace(obj: dict[str, Any]) -> None:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) or "namespace" not in metadata:
        return
    namespace = metadata["namespace"]
    if not isinstance(namespace, str) or not STRING_PARAMETER.search(namespace):
        del metadata["namespace"]


# --------------------------------------------------------------------------- generator

# library-go pkg/template/generator/expressionvalue.go: its alphabets and its two patterns.
_ALPHABET = string.ascii_lowercase + string.ascii_uppercase
_NUMERALS = string.digits
_SYMBOLS = "~!@#$%^&*()-_+={}[]\\|<,>.?/\"';:`"
_NAMED_RANGES = {
    r"\w": _ALPHABET + _NUMERALS + _SYMBOLS,
    r"\d": _NUMERALS,
    r"\a": _ALPHABET + _NUMERALS,
    r"\A": _SYMBOLS,
}
_GENERATOR = re.compile(r"\[([a-zA-Z0-9\-\\]+)\](\{([0-9]+)\})")
_RANGE = re.compile(r"([\\]?[a-zA-Z0-9]\-?[a-zA-Z0-9]?)")


def generate_expression(expression: str, rng: random.Random) -> str:
    """The ``expression`` generator: each ``[ranges]{length}`` becomes random characters.

    Ranges are ``a-z``-style spans, single characters, or ``\\w \\d \\a \\A``; everything
    else in ``expression`` is copied as it is ("test[0-9]{1}x" gives e.g. "test7x").
    """
    while (match := _GENERATOR.search(expression)) is not None:
        alphabet = "".join(_alphabet(token) for token in _RANGE.findall(match.group(1)))
        if not alphabet:
            raise TemplateError(f"empty range in expression {match.group(0)!r}")
        generated = "".join(rng.choice(alphabet) for _ in range(int(match.group(3))))
        expression = expression.replace(match.group(0), generated, 1)
    return expression


def _alphabet(token: str) -> str:
    # library-go reads every token as a span from its first to its last character
    # ("a-z", "ab" and "a" alike) unless it is one of the named ranges.
    if token in _NAMED_RANGES:
        return _NAMED_RANGES[token]
    if token.startswith("\\"):
        raise TemplateError(f"unknown range {token!r}")
    low, high = token[0], token[-1]
    if low > high:
        raise TemplateError(f"invalid range {token!r}")
    return "".join(chr(code) for code in range(ord(low), ord(high) + 1))
