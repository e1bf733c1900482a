#!/usr/bin/env bash
# `pulumi up` of one stack with the policy pack (and the stack's policy config when it has one).
# On AWS it runs the release flow (docs/operations.md 2.4): everything but the ECS services first
# (images, task definitions, data stores), then the before-rollout migrations, then the full update
# that rolls the services out, then the after-rollout jobs. So no task of a new release starts on an
# old schema. Kubernetes stacks order their release Jobs inside the program: one `pulumi up`.
#   usage: pulumi-up.sh STACK PLATFORM [POLICY_CONFIG]   (in the directory of the stack's Pulumi.yaml)
set -euo pipefail
stack="${1:?usage: pulumi-up.sh STACK aws|kubernetes [POLICY_CONFIG]}"
platform="${2:?usage: pulumi-up.sh STACK aws|kubernetes [POLICY_CONFIG]}"
policy_config="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# Run from the stack's project directory: the repository root, or environments/prod-split (the split's
# stacks, deploy.yml); the policy pack is the root's either way.
project="$(sed -n 's/^name:[[:space:]]*//p' Pulumi.yaml)"
message="appstack deploy ${GITHUB_SHA:-$(git rev-parse HEAD 2>/dev/null || echo local)}"

up=(pulumi up --stack "$stack" --yes --diff --color never --non-interactive --policy-pack "$root/policies")
if [ -n "$policy_config" ]; then up+=(--policy-pack-config "$policy_config"); fi

case "$platform" in
  aws)
    echo "::group::Release 1/4: everything but the ECS services"
    "${up[@]}" --exclude "urn:pulumi:${stack}::${project}::**aws:ecs/service:Service::*" --exclude-dependents \
      --message "$message (before services)"
    echo "::endgroup::"
    echo "Release 2/4: before-rollout migrations"
    pulumi stack output --stack "$stack" --json | bash "$here/run-release-commands.sh" before_rollout
    echo "::group::Release 3/4: pulumi up"
    "${up[@]}" --message "$message"
    echo "::endgroup::"
    echo "Release 4/4: after-rollout jobs"
    pulumi stack output --stack "$stack" --json | bash "$here/run-release-commands.sh" after_rollout
    ;;
  kubernetes)
    "${up[@]}" --message "$message"
    ;;
  *)
    echo "::error::unknown platform '$platform' for stack $stack (aws or kubernetes)"
    exit 2
    ;;
esac
