#!/usr/bin/env bash
# Builds the real Pulumi engine for the Kubernetes stacks from the Go module proxy into .engine/bin:
#   pulumi                        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
#   pulumi-language-python        github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python
#   pulumi-language-python-exec   the exec shim, from sdk/v3 at the Python SDK's version in uv.lock
#   pulumi-resource-kubernetes    github.com/pulumi/pulumi-kubernetes/provider/v4 (schema embedded here)
# Versions and why they are what they are: engine/README.md. Idempotent: a stamp of the versions and
# wrapper-module contents is written after a complete build. With the stamp current nothing is rebuilt;
# with no stamp (an interrupted build) only missing binaries are built; with a stale stamp all are.
# Go's module and build caches are reused, never cleared.
# Put .engine/bin first on PATH to use it (the CLI finds the plugins there).
# Env: ENGINE_DIR (default <repo>/.engine), ENGINE_GO_PARALLEL (go build -p, default 1: shared machine).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
engine_src="$repo/engine"
engine_dir="${ENGINE_DIR:-$repo/.engine}"
bin="$engine_dir/bin"
parallel="${ENGINE_GO_PARALLEL:-1}"

command -v go >/dev/null || { echo "build-engine: go is not installed" >&2; exit 2; }

# The exec shim must match the Python SDK that runs the program: read its version from uv.lock.
python_sdk="$(awk '/^name = "pulumi"$/{getline; sub(/^version = "/,""); sub(/"$/,""); print; exit}' "$repo/uv.lock")"
kubernetes_version="4.25.0" # the release whose commit is provider/v4's only served pseudo-version

stamp_input() {
  go version
  echo "python-sdk=$python_sdk kubernetes=$kubernetes_version"
  (cd "$engine_src" && cat */go.mod */go.sum */*.go)
}
stamp="$(stamp_input | sha256sum | cut -d' ' -f1)"
binaries=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-kubernetes)
if [[ -f "$engine_dir/stamp" && "$(cat "$engine_dir/stamp")" == "$stamp" ]]; then
  ok=1
  for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || ok=0; done
  if [[ $ok == 1 ]]; then
    echo "build-engine: up to date ($bin)"
    exit 0
  fi
fi

mkdir -p "$bin"
if [[ -f "$engine_dir/stamp" ]]; then # versions or wrappers changed: rebuild everything
  for b in "${binaries[@]}"; do rm -f "$bin/$b"; done
  rm -f "$engine_dir/stamp"
fi
need() { [[ ! -x "$bin/$1" ]] || { echo "build-engine: $1 present, kept"; false; }; }
export GOFLAGS="-mod=readonly -buildvcs=false"
gobuild() { nice -n 19 go build -p "$parallel" -trimpath "$@"; }
start=$(date +%s)

if need pulumi; then
  echo "build-engine: pulumi CLI"
  (cd "$engine_src/pulumi" && gobuild -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
fi

if need pulumi-language-python; then
  echo "build-engine: python language host"
  (cd "$engine_src/pulumi-language-python" &&
    gobuild -o "$bin/pulumi-language-python" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python)
fi
sdk_dir="$(cd "$engine_src/pulumi" && GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$python_sdk" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"

if need pulumi-resource-kubernetes; then
  echo "build-engine: kubernetes provider $kubernetes_version"
  k8s_src="$engine_src/pulumi-resource-kubernetes"
  provider_dir="$(cd "$k8s_src" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)"
  # The provider's main package embeds schema-embed.json and terraform-mapping-embed.json, which its own
  # generate.go writes from the schema.json/terraform-mapping.json shipped in the module: run that generator
  # from the module cache, in a scratch directory, and embed its output in the wrapper (files are ignored).
  gen="$engine_dir/gen/kubernetes"
  mkdir -p "$gen"
  install -m 0644 "$provider_dir/cmd/pulumi-resource-kubernetes/schema.json" \
    "$provider_dir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$gen/"
  (cd "$k8s_src" && gobuild -o "$engine_dir/gen/generate-kubernetes-schema" \
    "$provider_dir/cmd/pulumi-resource-kubernetes/generate.go")
  (cd "$gen" && VERSION="$kubernetes_version" "$engine_dir/gen/generate-kubernetes-schema")
  install -m 0644 "$gen/schema-embed.json" "$gen/terraform-mapping-embed.json" "$k8s_src/"
  (cd "$k8s_src" && gobuild -o "$bin/pulumi-resource-kubernetes" \
    -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$kubernetes_version" .)

fi
echo "$stamp" >"$engine_dir/stamp"
echo "build-engine: built in $(($(date +%s) - start)) s into $bin"
