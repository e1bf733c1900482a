// Command pulumi-resource-kubernetes serves the published pulumi-kubernetes
// provider. The provider's own main package embeds schema files that are
// generated at build time; scripts/build-engine.sh writes them next to this
// file from the module cache (they are not committed).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
