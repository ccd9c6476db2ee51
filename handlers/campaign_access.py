"""Who may act on a campaign from `/campaign`: the person who asked for it, or an approver of
`campaign_plan` (`bots/approvals.toml`), the same people who may approve or cancel it on its
card. Pause, resume, cancel, `set` and recording the outcome steer or judge a campaign that
others asked for, so a bystander in the workspace may read it (`list`, `status`) but not
change it. The check is `jobs/slack/people.may_decide`, the one behind every card: Slack is
asked only when the person is not the requester, and a failed lookup changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bots.approvers import CAMPAIGN_PLAN, ApprovalConfig, approvers_text
from jobs.slack.people import LookupFailed, People, may_decide
from jobs.slack.text import Mrkdwn, md, mention
from jobs.workspace import WorkspaceApprovers


@dataclass(frozen=True)
class CampaignAccess:
    """`refusal` answers "may this person act on this campaign?" with None or the why."""

    approvers: WorkspaceApprovers  # the file's, with each workspace's own people
    people: People

    def refusal(self, team_id: str, user_id: str, requested_by: str, what: str) -> Mrkdwn | None:
        """None when `user_id` asked for the campaign or may approve plans; otherwise the
        private answer naming who can `what` (e.g. "pause it"). Nothing has changed yet."""
        if user_id == requested_by:
            return None
        config = self.approvers.for_team(team_id)
        try:
            if may_decide(self.people, team_id, config, CAMPAIGN_PLAN, user_id):
                return None
        except LookupFailed as failed:
            return Mrkdwn(failed.message)
        return md(
            "Only {who} can {what}. Nothing changed.",
            who=self._who(config, requested_by),
            what=what,
        )

    def _who(self, config: ApprovalConfig, requested_by: str) -> Mrkdwn:
        """The requester, then the plan approvers when there are any (ids are ours, so the
        mentions are built after escaping)."""
        asked = md("{person} (who asked for this campaign)", person=mention(requested_by))
        rule = config.for_action(CAMPAIGN_PLAN)
        admins = config.defaults.admins if rule.admins is None else rule.admins
        if not (rule.users or rule.groups or admins):
            return asked
        return md(
            "{asked} or {others}",
            asked=asked,
            others=Mrkdwn(approvers_text(config, CAMPAIGN_PLAN)),
        )
