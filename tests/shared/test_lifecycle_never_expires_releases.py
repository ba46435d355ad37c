"""No lifecycle policy the stacks can build ever expires a release-tagged image.

Checked twice: structurally (no expiring rule can select a release tag before a keep-rule has taken
it) and by simulating ECR's documented evaluation over generated image histories.
"""

import string
from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples
from model_registry import config
from model_registry.policy_documents.ecr import lifecycle_policy
from pydantic import ValidationError

# ECR's service quotas page, "Images per repository": 100,000 per Region by default (adjustable).
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html
IMAGES_PER_REPOSITORY_QUOTA = 100_000
prefixes = st.text(alphabet=string.ascii_lowercase[:4] + string.digits[:3] + "-.", min_size=1, max_size=4)


@st.composite
def lifecycles(draw):
    try:
        return config.Lifecycle(
            untagged_expiry_days=draw(st.integers(1, 60)),
            prerelease_keep_count=draw(st.integers(1, 5)),
            prerelease_tag_prefixes=tuple(draw(st.lists(prefixes, min_size=1, max_size=3, unique=True))),
            release_tag_prefixes=tuple(draw(st.lists(prefixes, min_size=1, max_size=2, unique=True))),
        )
    except ValidationError:
        assume(False)


def _selects(rule, tags):
    selection = rule["selection"]
    if selection["tagStatus"] == "untagged":
        return not tags
    if selection["tagStatus"] == "any":
        return True
    # ECR: every listed prefix must match one of the image's tags.
    return bool(tags) and all(any(t.startswith(p) for t in tags) for p in selection["tagPrefixList"])


@settings(max_examples=examples(100, 300), deadline=None)
@given(lifecycles())
def test_no_expiring_rule_selects_a_release_tag_before_a_keep_rule(settings_):
    rules = sorted(lifecycle_policy(settings_)["rules"], key=lambda r: r["rulePriority"])
    keep_prefixes = set()
    for rule in rules:
        selection = rule["selection"]
        assert selection["tagStatus"] != "any", "a tagStatus:any rule could expire release images"
        if selection["tagStatus"] != "tagged":
            continue
        (prefix,) = selection["tagPrefixList"]
        keeps = (
            selection["countType"] == "imageCountMoreThan" and selection["countNumber"] > IMAGES_PER_REPOSITORY_QUOTA
        )
        if keeps:
            keep_prefixes.add(prefix)
            continue
        for release in settings_.release_tag_prefixes:
            assert not (prefix.startswith(release) or release.startswith(prefix)), (prefix, release)
    assert keep_prefixes == set(settings_.release_tag_prefixes)


@dataclass
class Image:
    tags: tuple[str, ...]
    age_days: int


def simulate_ecr(policy, images):
    """ECR's documented evaluation: rules in priority order; an image that a higher-priority rule
    selected by its tags cannot be expired by a lower one; count rules expire the oldest beyond N."""
    taken: set[int] = set()
    expired: set[int] = set()
    for rule in sorted(policy["rules"], key=lambda r: r["rulePriority"]):
        selected = [i for i, image in enumerate(images) if i not in taken and _selects(rule, image.tags)]
        selection = rule["selection"]
        if selection["countType"] == "imageCountMoreThan":
            newest_first = sorted(selected, key=lambda i: images[i].age_days)
            expired.update(newest_first[selection["countNumber"] :])
        else:
            expired.update(i for i in selected if images[i].age_days > selection["countNumber"])
        taken.update(selected)
    return expired


tags = st.text(alphabet=string.ascii_lowercase[:4] + string.digits[:3] + "-.", min_size=1, max_size=6)


@settings(max_examples=examples(100, 300), deadline=None)
@given(lifecycles(), st.lists(st.builds(Image, st.lists(tags, max_size=3).map(tuple), st.integers(0, 90)), max_size=30))
def test_simulated_ecr_never_expires_an_image_with_a_release_tag(settings_, images):
    expired = simulate_ecr(lifecycle_policy(settings_), images)
    for index in expired:
        assert not any(t.startswith(settings_.release_tag_prefixes) for t in images[index].tags), images[index]


def test_a_promoted_release_candidate_survives_its_prerelease_rule():
    settings_ = config.Lifecycle(prerelease_keep_count=1)
    images = [Image(("rc-1", "v1.0.0"), 30), Image(("rc-2",), 20), Image(("rc-3",), 10)]
    assert simulate_ecr(lifecycle_policy(settings_), images) == {1}


def test_the_simulation_would_catch_a_policy_without_keep_rules():
    settings_ = config.Lifecycle(prerelease_keep_count=1)
    policy = lifecycle_policy(settings_)
    policy["rules"] = [r for r in policy["rules"] if r["selection"].get("tagPrefixList") != ["v"]]
    images = [Image(("rc-1", "v1.0.0"), 30), Image(("rc-2",), 20)]
    assert 0 in simulate_ecr(policy, images)
