"""The Containerfile builds one non-root UBI image whose CMD serves the function the Service picks."""

from __future__ import annotations

import fnmatch
import shlex
import tomllib
from importlib.metadata import entry_points
from pathlib import PurePosixPath

import click
import setuptools

from osiris import contract
from tests.deploy.manifests import REPO

CONTAINERFILE = REPO / "Containerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in CONTAINERFILE.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    assert not pending
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def _stages() -> tuple[dict[str, str], list[list[tuple[str, str]]]]:
    arguments: dict[str, str] = {}
    stages: list[list[tuple[str, str]]] = []
    for instruction, rest in _instructions():
        if instruction == "ARG" and not stages:
            name, _, default = rest.partition("=")
            arguments[name] = default
        elif instruction == "FROM":
            stages.append([(instruction, rest)])
        else:
            stages[-1].append((instruction, rest))
    return arguments, stages


def _base_image(stage: list[tuple[str, str]], arguments: dict[str, str]) -> str:
    reference = stage[0][1].split()[0]
    return arguments[reference[2:-1]] if reference.startswith("${") else reference


def test_multi_stage_build_from_ubi9_python_311_to_ubi9_minimal() -> None:
    arguments, stages = _stages()
    assert len(stages) == 2
    builder, final = stages
    assert builder[0][1].split()[-2:] == ["AS", "builder"]
    assert _base_image(builder, arguments).startswith("registry.access.redhat.com/ubi9/python-311")
    assert _base_image(final, arguments).startswith("registry.access.redhat.com/ubi9/ubi-minimal")


def test_final_stage_has_no_build_tools_and_runs_as_an_arbitrary_non_root_uid() -> None:
    _, (builder, final) = _stages()
    runs = " ".join(rest for instruction, rest in final if instruction == "RUN")
    assert "python3.11" in runs
    for tool in ("gcc", "-devel", "make", "pip install", "dnf install"):
        assert tool not in runs.replace("microdnf install", ""), tool
    users = [rest for instruction, rest in final if instruction == "USER"]
    assert users and users[-1].isdigit() and int(users[-1]) != 0
    # The arbitrary UID OpenShift assigns is in group 0: the group needs the owner's rights.
    builder_runs = " ".join(rest for instruction, rest in builder if instruction == "RUN")
    assert "chgrp -R 0 /opt/osiris" in builder_runs and "chmod -R g=u /opt/osiris" in builder_runs
    copies = [rest for instruction, rest in final if instruction == "COPY"]
    assert copies == ["--from=builder /opt/osiris /opt/osiris"]


def test_cmd_runs_functions_framework_which_reads_target_and_signature_from_the_environment() -> (
    None
):
    _, (_, final) = _stages()
    (cmd,) = [rest for instruction, rest in final if instruction == "CMD"]
    assert cmd == '["functions-framework"]'  # exec form: no shell between Knative and the server
    (script,) = entry_points(group="console_scripts", name="functions-framework")
    command = script.load()
    assert isinstance(command, click.Command)
    envvars = {parameter.name: parameter.envvar for parameter in command.params}
    assert envvars["target"] == "FUNCTION_TARGET"
    assert envvars["signature_type"] == "FUNCTION_SIGNATURE_TYPE"
    assert envvars["source"] == "FUNCTION_SOURCE"
    assert envvars["port"] == "PORT"
    signature = next(p for p in command.params if p.name == "signature_type")
    assert isinstance(signature.type, click.Choice)
    assert set(contract.SIGNATURE_TYPES.values()) <= set(signature.type.choices)


def test_the_function_source_lands_where_function_source_points() -> None:
    _, (builder, final) = _stages()
    environment = dict(
        pair.split("=", 1)
        for instruction, rest in final
        if instruction == "ENV"
        for pair in shlex.split(rest)
    )
    assert environment["FUNCTION_SOURCE"] == contract.FUNCTION_SOURCE
    (workdir,) = [rest for instruction, rest in final if instruction == "WORKDIR"]
    destination = PurePosixPath(workdir) / contract.FUNCTION_SOURCE
    builder_runs = " ".join(rest for instruction, rest in builder if instruction == "RUN")
    assert f"cp {contract.FUNCTION_SOURCE} {destination}" in builder_runs
    assert environment["PATH"].startswith("/opt/osiris/venv/bin:")


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/")
        for pattern in patterns
    )


def test_build_context_holds_what_the_containerfile_copies() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".containerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    _, (builder, _) = _stages()
    sources = [
        source
        for instruction, rest in builder
        if instruction == "COPY"
        for source in rest.split()[:-1]
    ]
    sources.append(contract.FUNCTION_SOURCE)
    for source in sources:
        assert (REPO / source).exists(), f"{source} is copied but missing from the repository"
        assert not _ignored(source.rstrip("/"), patterns), (
            f"{source} is excluded by .containerignore"
        )
    for secret_or_bulk in (".git", "tests", ".venv", "benchmarks"):
        assert _ignored(secret_or_bulk, patterns)


def test_the_copied_files_are_all_pip_install_needs() -> None:
    """pyproject's readme and package root are in the build context the builder copies."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    _, (builder, _) = _stages()
    copied = {
        source.rstrip("/")
        for instruction, rest in builder
        if instruction == "COPY"
        for source in rest.split()[:-1]
    }
    assert project["project"]["readme"] in copied
    (package_root,) = project["tool"]["setuptools"]["packages"]["find"]["where"]
    assert package_root in copied
    assert "osiris" in setuptools.find_packages(where=str(REPO / package_root))
