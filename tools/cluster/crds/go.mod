// The CustomResourceDefinitions the test control plane serves, as YAML shipped in pinned modules
// (tools/cluster/cluster.ts downloads them with `go mod download`, checked against go.sum):
// - the Prometheus Operator's example/prometheus-operator-crd/ (v0.90.1: the newest version of the
//   repository's root module the Go module proxy serves; the pinned kube-prometheus-stack chart
//   deploys v0.95.1);
// - the Gateway API's config/crd/standard/.
// tools/render/kubeconform-schemas.ts reads both versions from here (and Kubernetes' from ../kube/go.mod).
module itops/tools/cluster/crds

go 1.26

require (
	github.com/prometheus-operator/prometheus-operator v0.90.1
	sigs.k8s.io/gateway-api v1.6.3
)
