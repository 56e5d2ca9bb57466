"""``completion bash|zsh``: shell completion for ``kubectl-osiris`` (commands, the kinds
of :data:`~osiris.plugin.resources.RESOURCES`, their TYPE/ prefixes, flags and phases)."""

from __future__ import annotations

from osiris.plugin.resources import ALL_PHASES, GROUP_FLAGS, RESOURCES

COMMANDS = "logs get describe completion"
GET_RESOURCES = " ".join([*(r.resource for r in RESOURCES), "buildconfigs"])
# TYPE/ of logs' and describe's TYPE/NAME: each kind's usual and short names, and the
# shortest name of its group (bc/, task/, pipeline/: the group's latest run).
TARGETS = " ".join(
    [f"{a}/" for r in RESOURCES for a in (r.aliases[0], *(a for a in r.aliases if len(a) <= 3))]
    + [f"{min(r.group_aliases, key=len)}/" for r in RESOURCES]
)
PHASES = " ".join(ALL_PHASES)
FLAGS = " ".join(
    [
        "-n --namespace -A --all-namespaces --tail --step",
        *(f"--{flag}" for flag in GROUP_FLAGS),
        "--phase --commit --limit -o --output --server --lookup-namespace --kubeconfig",
        "--context --certificate-authority --insecure-skip-tls-verify",
    ]
)

BASH = f"""# bash completion for kubectl-osiris; load with: source <(kubectl-osiris completion bash)
_kubectl_osiris() {{
    local cur prev words cword
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "$prev" in
        -o|--output) COMPREPLY=($(compgen -W "wide json yaml name" -- "$cur")); return ;;
        --phase) COMPREPLY=($(compgen -W "{PHASES}" -- "$cur")); return ;;
        get) COMPREPLY=($(compgen -W "{GET_RESOURCES}" -- "$cur")); return ;;
        logs|describe) compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -W "{TARGETS}" -- "$cur")); return ;;
        completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "{FLAGS}" -- "$cur"))
    elif ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "{COMMANDS}" -- "$cur"))
    fi
}}
complete -F _kubectl_osiris kubectl-osiris
"""

ZSH = f"""#compdef kubectl-osiris
# zsh completion for kubectl-osiris; load with: source <(kubectl-osiris completion zsh)
_kubectl_osiris() {{
    if (( CURRENT == 2 )); then
        compadd -- {COMMANDS}
    elif [[ "${{words[CURRENT-1]}}" == (-o|--output) ]]; then
        compadd -- wide json yaml name
    elif [[ "${{words[CURRENT-1]}}" == --phase ]]; then
        compadd -- {PHASES}
    elif [[ "${{words[2]}}" == get && CURRENT == 3 ]]; then
        compadd -- {GET_RESOURCES}
    elif [[ "${{words[2]}}" == (logs|describe) && CURRENT == 3 ]]; then
        compadd -S '' -- {TARGETS}
    elif [[ "${{words[2]}}" == completion ]]; then
        compadd -- bash zsh
    else
        compadd -- {FLAGS}
    fi
}}
compdef _kubectl_osiris kubectl-osiris
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH}
