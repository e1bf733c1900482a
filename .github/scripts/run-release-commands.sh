#!/usr/bin/env bash
# Run every release command of one phase (before_rollout | after_rollout), app by app, reading
# `pulumi stack output --json` on stdin. Each command starts an ECS task, waits for it, and fails
# unless it exited 0; the first failure stops the release.
set -euo pipefail
phase="${1:?usage: run-release-commands.sh before_rollout|after_rollout}"
jq -r --arg phase "$phase" '
  to_entries[] | select(.key | endswith("-release-commands")) | .key as $app
  | (.value[$phase] // {}) | to_entries[] | "\($app | rtrimstr("-release-commands"))/\(.key)\t\(.value | @base64)"
' | while IFS=$'\t' read -r job encoded; do
  echo "::group::$phase: $job"
  bash -euo pipefail -c "$(printf '%s' "$encoded" | base64 -d)"
  echo "::endgroup::"
done
