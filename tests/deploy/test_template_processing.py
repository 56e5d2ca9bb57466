"""The oc-process re-implementation follows library-go's rules (so the other tests mean something)."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from tests.deploy.template_processing import (
    TemplateError,
    generate_expression,
    parse_parameter_arguments,
    process,
    substitute_string,
)


def _template(
    objects: list[dict[str, Any]], parameters: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "template.openshift.io/v1",
        "kind": "Template",
        "metadata": {"name": "t"},
        "objects": objects,
        "parameters": parameters,
        **extra,
    }


VALUES = {"A": "one", "B": "two", "N": "600", "J": '{"k": [1, true]}', "S": "not json"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${A}", ("one", True)),
        ("http://${A}:${B}/${A}", ("http://one:two/one", True)),
        ("${UNDEFINED}-${A}", ("${UNDEFINED}-one", True)),
        ("${{N}}", ("600", False)),
        ("x${{N}}", ("x${{N}}", True)),  # ${{}} only as the whole value
        ("${{N}} ", ("${{N}} ", True)),
        ("${{UNDEFINED}}", ("${{UNDEFINED}}", True)),
        ("$A {A} $(A)", ("$A {A} $(A)", True)),
    ],
)
def test_substitution_rules(text: str, expected: tuple[str, bool]) -> None:
    assert substitute_string(text, VALUES) == expected


def test_non_string_values_are_decoded_as_json_else_kept_as_strings() -> None:
    parameters = [{"name": name, "value": value} for name, value in VALUES.items()]
    objects = [
        {
            "kind": "X",
            "metadata": {"name": "x"},
            "spec": {
                "n": "${{N}}",
                "j": "${{J}}",
                "s": "${{S}}",
                "quoted": "${N}",
                "${A}-key": ["${B}", 3, None, True],
            },
        }
    ]
    (obj,) = process(_template(objects, parameters)).objects
    assert obj["spec"] == {
        "n": 600,
        "j": {"k": [1, True]},
        "s": "not json",
        "quoted": "600",
        "one-key": ["two", 3, None, True],
    }


def test_a_map_key_cannot_become_a_non_string() -> None:
    objects = [{"kind": "X", "metadata": {"name": "x"}, "data": {"${{N}}": "v"}}]
    with pytest.raises(TemplateError, match="non-string"):
        process(_template(objects, [{"name": "N", "value": "1"}]))


def test_hard_coded_namespaces_are_stripped_parameter_namespaces_kept() -> None:
    objects = [
        {"kind": "X", "metadata": {"name": "a", "namespace": "fixed"}},
        {"kind": "X", "metadata": {"name": "b", "namespace": "${NS}"}},
        {"kind": "X", "metadata": {"name": "c", "namespace": "team-${NS}"}},
    ]
    result = process(_template(objects, [{"name": "NS", "required": True}]), ["NS=blue"])
    assert [obj["metadata"].get("namespace") for obj in result.objects] == [
        None,
        "blue",
        "team-blue",
    ]


def test_required_unknown_and_duplicate_parameters_are_errors() -> None:
    template = _template([], [{"name": "R", "required": True}, {"name": "O"}])
    with pytest.raises(TemplateError, match=r"required.*R"):
        process(template, ["O=x"])
    with pytest.raises(TemplateError, match=r"unknown parameter.*NOPE"):
        process(template, ["R=x", "NOPE=y"])
    with pytest.raises(TemplateError, match="more than once"):
        parse_parameter_arguments(["R=x", "R=y"])
    with pytest.raises(TemplateError, match="KEY=VALUE"):
        parse_parameter_arguments(["R"])
    assert process(template, ["R=a=b"]).values == {"R": "a=b", "O": ""}


def test_required_parameter_with_default_needs_no_argument_but_empty_argument_fails() -> None:
    template = _template([], [{"name": "R", "required": True, "value": "dflt"}])
    assert process(template).values == {"R": "dflt"}
    with pytest.raises(TemplateError, match="required"):
        process(template, ["R="])


def test_generated_values_fill_empty_parameters_and_argument_overrides_generation() -> None:
    template = _template(
        [{"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"token": "${TOKEN}"}}],
        [{"name": "TOKEN", "generate": "expression", "from": "tok-[a-f0-9]{12}", "required": True}],
    )
    generated = process(template, rng=random.Random(1))
    assert re.fullmatch(r"tok-[a-f0-9]{12}", generated.objects[0]["stringData"]["token"])
    given = process(template, ["TOKEN=mine"])
    assert given.objects[0]["stringData"]["token"] == "mine"


def test_unknown_generator_is_an_error() -> None:
    template = _template([], [{"name": "T", "generate": "uuid"}])
    with pytest.raises(TemplateError, match="Unknown generator"):
        process(template)


@pytest.mark.parametrize(
    ("expression", "pattern"),
    [
        ("test[0-9]{1}x", r"test[0-9]x"),
        ("[0-1]{8}", r"[01]{8}"),
        ("0x[A-F0-9]{4}", r"0x[A-F0-9]{4}"),
        ("[a-zA-Z0-9]{8}", r"[a-zA-Z0-9]{8}"),
        (r"[\d]{5}-[\a]{3}", r"[0-9]{5}-[a-zA-Z0-9]{3}"),
        ("plain", r"plain"),
    ],
)
def test_expression_generator(expression: str, pattern: str) -> None:
    rng = random.Random(7)
    for _ in range(20):
        assert re.fullmatch(pattern, generate_expression(expression, rng))


def test_template_labels_are_substituted_and_override_object_labels() -> None:
    template = _template(
        [
            {"kind": "X", "metadata": {"name": "x", "labels": {"app": "mine", "keep": "yes"}}},
            {"kind": "Y", "metadata": {"name": "y"}},
        ],
        [{"name": "APP", "value": "osiris"}],
        labels={"app": "${APP}"},
        message="installed ${APP}",
    )
    result = process(template)
    assert [obj["metadata"]["labels"] for obj in result.objects] == [
        {"app": "osiris", "keep": "yes"},
        {"app": "osiris"},
    ]
    assert result.message == "installed osiris"
