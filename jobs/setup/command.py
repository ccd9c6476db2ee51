"""`python app.py setup`: set up a workspace from the command line (issue 20).

For the workspace of SLACK_BOT_TOKEN (asked with auth.test), or `--team T…` for an installed
one. `--channel mkt-campaigns=campaigns` (repeatable) gives a department channel this
workspace's own name before the set-up creates or joins it. Prints the set-up's report; safe
to run twice.
"""

from __future__ import annotations

import argparse

from slack_sdk.errors import SlackApiError

from errors import StartupError, WorkspaceNotInstalled
from jobs import runtime as runtime_module
from jobs.runtime import Runtime
from jobs.setup.channel_names import clashes, cleaned, name_problem
from jobs.setup.run import department_channels, set_up
from jobs.workspace import workspace_settings
from models import workspace_settings as stored
from settings import Settings

CLI_USER = "cli"  # who changed the settings, when no Slack user did


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python app.py setup", description=__doc__)
    parser.add_argument("--team", help="the workspace (T…); default: SLACK_BOT_TOKEN's")
    parser.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="DEFAULT=NAME",
        help="this workspace's name for a department channel (e.g. mkt-campaigns=campaigns)",
    )
    return parser.parse_args(argv)


def run_setup_command(settings: Settings, argv: list[str]) -> int:
    """Set up the workspace and print what was done; 2 with one line on a bad argument."""
    args = parse(argv)
    installs = settings.slack_client_id is not None  # OAuth: tokens per installed workspace
    if settings.slack_bot_token is None and not installs:
        print(
            "The set-up talks to Slack: set SLACK_BOT_TOKEN, or SLACK_CLIENT_ID for installed "
            "workspaces (see .env.example)."
        )
        return 2
    if installs and not args.team:
        print("Which workspace? With OAuth installs name it: python app.py setup --team T…")
        return 2
    try:
        rt = runtime_module.build_runtime(settings)
        runtime_module.install(rt)
        team_id = args.team or _token_team(rt)
        renames = dict(_rename(rt, value) for value in args.channel)
        _no_clash(rt, team_id, renames)
    except (StartupError, ValueError) as error:
        print(str(error))
        return 2
    with rt.sessions() as session:  # the path App Home's channel-names form takes too
        stored.rename_channels(session, team_id, CLI_USER, renames)
    try:
        report = set_up(rt, team_id, CLI_USER)
    except WorkspaceNotInstalled:
        print(f"Workspace {team_id} has not installed the app (or has uninstalled it).")
        return 2
    for line in report:
        print(line)
    return 0


def _token_team(rt: Runtime) -> str:
    try:
        # Which workspace SLACK_BOT_TOKEN belongs to: the env token serves any team id asked.
        return str(rt.slack_clients.patient("").auth_test()["team_id"])
    except SlackApiError as error:
        raise ValueError(f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')})") from None


def _no_clash(rt: Runtime, team_id: str, renames: dict[str, str]) -> None:
    """Two department channels may not share a name (they would be one channel)."""
    now = workspace_settings(rt, team_id)
    names = {default: now.channel(default) for default in department_channels(rt)} | renames
    if clash := clashes(names):
        default, other = next(iter(clash.items()))
        name = names[default]
        raise ValueError(f"--channel: #{name} is already the name of the department's #{other}")


def _rename(rt: Runtime, value: str) -> tuple[str, str]:
    default, _, name = value.partition("=")
    known = department_channels(rt)
    if default not in known:
        raise ValueError(f"--channel {value}: {default!r} is not one of {', '.join(known)}")
    name = cleaned(name)
    if (problem := name_problem(name)) is not None:
        raise ValueError(f"--channel {value}: {name!r} is not a Slack channel name. {problem}")
    return default, name
