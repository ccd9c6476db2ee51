"""What a workspace's set-up asks of Slack (issue 20), as Slack answers it.

- `conversations.create`: a name Slack accepts (lower case, digits, `-` and `_`, at most 80),
  not taken by any channel (a private one the app cannot see counts: `name_taken`); the
  creator is in the new channel. A workspace that lets only some people create channels is
  a test's `fail_next("conversations.create", status=200, error="restricted_action")`.
- `usergroups.list`: the workspace's user groups (the approvers form offers them).
"""

from __future__ import annotations

import copy
import re
import uuid

from sandbox.slack_methods import Args, MethodHandler, Payload, SlackMethodError, flag
from sandbox.slack_workspace import Workspace

CHANNEL_NAME = r"[a-z0-9][a-z0-9_\-]{0,79}"


def conversations_create(ws: Workspace, args: Args) -> Payload:
    name = args.get("name")
    if not isinstance(name, str) or not name:
        raise SlackMethodError("invalid_name_required")
    if len(name) > 80:
        raise SlackMethodError("invalid_name_maxlength")
    if not re.fullmatch(CHANNEL_NAME, name):
        raise SlackMethodError("invalid_name_specials")
    if any(c.get("name") == name for c in ws.channels.values() if not c["is_im"]):
        raise SlackMethodError("name_taken")
    channel_id = "C" + uuid.uuid4().hex[:10].upper()
    private = flag(args.get("is_private"))
    ws.add_channel(channel_id, name, is_im=False, user=None, is_private=private, is_member=True)
    return {"channel": copy.deepcopy(ws.channels[channel_id])}


def usergroups_list(ws: Workspace, args: Args) -> Payload:
    groups = [
        {"id": g["id"], "handle": g["handle"], "name": g["handle"]} for g in ws.usergroups.values()
    ]
    return {"usergroups": groups}


SETUP_METHODS: dict[str, MethodHandler] = {
    "conversations.create": conversations_create,
    "usergroups.list": usergroups_list,
}
