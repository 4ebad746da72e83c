// Command pulumi-resource-kubernetes is a thin wrapper that serves the
// upstream Kubernetes provider (github.com/pulumi/pulumi-kubernetes/provider/v4).
//
// Upstream's own main package embeds schema-embed.json and
// terraform-mapping-embed.json, which its release process generates with
// `go generate`; they are not part of the module zip, and Go cannot build a
// package in the module cache whose embedded files are missing. So this
// package does the same thing as upstream's main: tools/build-engine.sh
// generates the two files from the module's schema.json and
// terraform-mapping.json (with upstream's generate.go) and maps them in with
// `go build -overlay`; nothing is written into this directory.
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
