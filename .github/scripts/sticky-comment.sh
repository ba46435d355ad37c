#!/usr/bin/env bash
# Post ONE pull-request comment per marker, and update that same comment on every later run.
#
#   sticky-comment.sh PR_NUMBER MARKER BODY_FILE
#
# The body must start with "<!-- MARKER -->" (offline_preview.report writes it so); the comment to update
# is the bot's comment whose body starts with that line, so two jobs with two markers never overwrite
# each other's comment. Needs GH_TOKEN (pull-requests: write) and GITHUB_REPOSITORY.
set -euo pipefail

readonly LIMIT=65536 # GitHub refuses a comment body longer than this many characters
readonly BOT="${COMMENT_AUTHOR:-github-actions[bot]}"

if [[ $# -ne 3 ]]; then
  echo "usage: $0 PR_NUMBER MARKER BODY_FILE" >&2
  exit 2
fi
pr=$1 marker=$2 body_file=$3
repo=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}

if [[ ! $pr =~ ^[1-9][0-9]*$ ]]; then
  echo "error: PR_NUMBER must be a pull request number (got '$pr')" >&2
  exit 2
fi
if [[ ! $marker =~ ^[a-z0-9][a-z0-9-]*$ ]]; then
  echo "error: MARKER must be lowercase letters, digits and dashes (got '$marker')" >&2
  exit 2
fi
if [[ ! -f $body_file ]]; then
  echo "error: $body_file: no such file" >&2
  exit 2
fi
needle="<!-- ${marker} -->"
if [[ $(head -n 1 "$body_file") != "$needle" ]]; then
  echo "error: $body_file does not start with the line '$needle'" >&2
  exit 2
fi
chars=$(wc -m <"$body_file")
if ((chars > LIMIT)); then
  echo "error: $body_file has $chars characters; GitHub accepts at most $LIMIT" >&2
  exit 1
fi

ids=$(gh api --paginate "repos/${repo}/issues/${pr}/comments" \
  --jq ".[] | select(.user.login == \"${BOT}\" and (.body | startswith(\"${needle}\"))) | .id")
id=${ids%%$'\n'*}

if [[ -n $id ]]; then
  gh api --method PATCH "repos/${repo}/issues/comments/${id}" -F "body=@${body_file}" >/dev/null
  echo "updated comment ${id} (${marker})"
else
  gh api --method POST "repos/${repo}/issues/${pr}/comments" -F "body=@${body_file}" >/dev/null
  echo "posted a new comment (${marker})"
fi
