"""The tags every taggable resource carries: who owns it, who pays, which model, what manages it."""

from __future__ import annotations

REQUIRED_TAG_KEYS = ("owner", "cost-centre", "managed-by")
# The model team that owns a repository: the key the team's CI push role is limited by (aws:ResourceTag/team).
TEAM_TAG = "team"


def standard_tags(
    *, owner: str, cost_centre: str, project: str, stack: str, model: str | None = None, team: str | None = None
) -> dict[str, str]:
    tags = {
        "owner": owner,
        "cost-centre": cost_centre,
        "managed-by": "pulumi",
        "pulumi-project": project,
        "pulumi-stack": stack,
    }
    if model:
        tags["model"] = model
    if team:
        tags[TEAM_TAG] = team
    return tags
