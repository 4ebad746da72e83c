// Command standin is the stand-in image of the end-to-end test on kind (.github/workflows/e2e.yml):
// it answers 200 on every path of every port the workload and the old system listen on (frontend
// http 8080, backend api 3000, metrics 9090, the old system 8080), so that the real kubelet's probes
// pass and the Pulumi engine's await sees the Deployments become ready. A port already bound by the
// other container of the same pod is skipped.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
)

func main() {
	ports := []string{"8080", "3000", "9090"}
	if p := os.Getenv("STANDIN_PORTS"); p != "" {
		ports = strings.Split(p, ",")
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			fmt.Fprintln(w, "# HELP standin_up 1 while the stand-in runs.\n# TYPE standin_up gauge\nstandin_up 1")
			return
		}
		fmt.Fprintln(w, "ok")
	})
	for _, port := range ports {
		go func(port string) {
			if err := http.ListenAndServe(":"+port, handler); err != nil {
				log.Printf("port %s: %v (another container of the pod serves it)", port, err)
			}
		}(port)
	}
	select {}
}
