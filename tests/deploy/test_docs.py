"""The deploy guide's commands match the manifests, and the smoke script is valid bash."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

import pytest

from tests.deploy import manifests
from tests.deploy.template_processing import process

GUIDE = manifests.REPO / "docs" / "deploy.md"
SMOKE = manifests.REPO / "scripts" / "smoke"


def _shell_commands() -> list[list[str]]:
    """Every command in the guide's sh blocks, continuations joined, pipelines split."""
    commands: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("|"):
                words = shlex.split(part, comments=True)
                if words:
                    commands.append(words)
    return commands


def _file_arguments(words: list[str]) -> list[str]:
    return [
        words[i + 1] for i, word in enumerate(words[:-1]) if word == "-f" and words[i + 1] != "-"
    ]


def _process_commands() -> list[list[str]]:
    return [words for words in _shell_commands() if words[:2] == ["oc", "process"]]


def test_the_guide_uses_every_manifest() -> None:
    used = {path for words in _shell_commands() for path in _file_arguments(words)}
    expected = {path.relative_to(manifests.REPO).as_posix() for path in manifests.manifest_files()}
    assert used == expected


@pytest.mark.parametrize("words", _process_commands(), ids=lambda words: " ".join(words[2:6]))
def test_every_oc_process_command_processes(words: list[str]) -> None:
    (path,) = _file_arguments(words)
    arguments = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "-p"]
    # Unknown parameters, duplicates and missing required ones fail here as in oc.
    result = process(manifests.template(path.split("/")[-1]), arguments)
    assert result.objects


def test_the_guide_opts_in_with_the_sources_label() -> None:
    label, value = manifests.OPT_IN_LABEL
    assert ["oc", "label", "namespace", "team-a", f"{label}={value}"] in _shell_commands()


def test_smoke_script_is_executable_bash_that_parses() -> None:
    assert os.access(SMOKE, os.X_OK)
    assert SMOKE.read_text().startswith("#!/usr/bin/env bash\n")
    subprocess.run(["bash", "-n", str(SMOKE)], check=True)
    usage = subprocess.run(["bash", str(SMOKE)], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "usage:" in usage.stderr


def _source_names() -> set[str]:
    return {
        obj["metadata"]["name"]
        for obj in manifests.eventing_objects()
        if obj["kind"] == "ApiServerSource"
    }


def test_the_guide_checks_the_tekton_api_before_applying_its_source() -> None:
    commands = _shell_commands()
    check = commands.index(["oc", "api-resources", "--api-group=tekton.dev"])
    applies = [i for i, words in enumerate(commands) if words[:2] == ["oc", "apply"]]
    tekton = [
        i
        for i in applies
        if any("apiserversource-tekton" in path for path in _file_arguments(commands[i]))
    ]
    assert tekton and min(tekton) > check


def test_the_guide_verifies_and_uninstalls_every_source() -> None:
    commands = _shell_commands()
    described = {
        words[4] for words in commands if words[:4] == ["kn", "source", "apiserver", "describe"]
    }
    deleted = {
        manifests.load_documents(manifests.REPO / path)[0]["metadata"]["name"]
        for words in commands
        if words[:2] == ["oc", "delete"]
        for path in _file_arguments(words)
        if path.startswith("eventing/apiserversource")
    }
    assert described == deleted == _source_names()
