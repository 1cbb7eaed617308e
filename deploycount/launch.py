"""The `deploycount` program (and `python -m deploycount`): reads just enough of the command line
to start git's tag listing for a report, then hands over to the click CLI.

The listing is the longest thing a window report on a long history waits for (0.17 s for 10,000
tags at a million commits); started here it runs while click, the CLI and the report's modules
are imported, instead of after them. Only the standard library is imported before it starts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from deploycount.early import prefetch_tags


def hoist_global_options(args: list[str]) -> list[str]:
    """`deploycount report --debug -C DIR` means `deploycount --debug -C DIR report`: the global
    options are moved before the command wherever they were written (up to a `--`)."""
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg == "--debug" and rest:
            hoisted.append(arg)
        elif arg == "-C" and rest and index + 1 < len(args):
            hoisted += [arg, args[index + 1]]
            index += 1
        elif arg.startswith("-C") and len(arg) > 2 and rest:
            hoisted.append(arg)
        else:
            rest.append(arg)
        index += 1
    return hoisted + rest


def tags_report_directory(args: Sequence[str]) -> str | None:
    """The directory of a `report` that will read deploys from tags (the flags' default), given
    hoisted arguments; None for any other command, `--repo` reports, another `--deploys`, help.
    A guess that the config file overrules costs one unused listing, dropped at exit."""
    directory, index = ".", 0
    while index < len(args) and args[index].startswith("-"):
        if args[index] == "-C" and index + 1 < len(args):
            directory = args[index + 1]
            index += 1
        elif args[index].startswith("-C") and len(args[index]) > 2:
            directory = args[index][2:]
        index += 1
    if index >= len(args) or args[index] != "report":
        return None
    flags = list(args[index + 1 :])
    if "--" in flags:
        flags = flags[: flags.index("--")]
    deploys = "tags"
    for position, flag in enumerate(flags):
        if flag in ("-h", "--help") or flag == "--repo" or flag.startswith("--repo="):
            return None
        if flag == "--deploys" and position + 1 < len(flags):
            deploys = flags[position + 1]
        elif flag.startswith("--deploys="):
            deploys = flag.removeprefix("--deploys=")
    return directory if deploys.startswith("tags") else None


def main(argv: Sequence[str] | None = None) -> None:
    args = hoist_global_options(list(argv) if argv is not None else sys.argv[1:])
    directory = tags_report_directory(args)
    if directory is not None:
        prefetch_tags(directory)
    from deploycount.cli import main as run_cli  # noqa: PLC0415 - after git has started

    run_cli(args)
