// psa-check evaluates Kubernetes workload manifests with the upstream Pod Security Admission
// library (k8s.io/pod-security-admission), the code the API server's admission plugin runs.
//
// Usage: psa-check [-level restricted] [-version latest] < objects.json
// Input: a JSON array of objects (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// CronJob). Output: one line per object, "ok <kind>/<name>" or
// "violation <kind>/<name>: <reason>: <detail>". Exit 1 when any object violates the level.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type object struct {
	Kind     string            `json:"kind"`
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     json.RawMessage   `json:"spec"`
}

type templated struct {
	Template corev1.PodTemplateSpec `json:"template"`
}

type cronJob struct {
	JobTemplate struct {
		Spec templated `json:"spec"`
	} `json:"jobTemplate"`
}

func podOf(o object) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	switch o.Kind {
	case "Pod":
		var spec corev1.PodSpec
		if err := json.Unmarshal(o.Spec, &spec); err != nil {
			return nil, nil, err
		}
		return &o.Metadata, &spec, nil
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController":
		var t templated
		if err := json.Unmarshal(o.Spec, &t); err != nil {
			return nil, nil, err
		}
		return &t.Template.ObjectMeta, &t.Template.Spec, nil
	case "CronJob":
		var c cronJob
		if err := json.Unmarshal(o.Spec, &c); err != nil {
			return nil, nil, err
		}
		return &c.JobTemplate.Spec.Template.ObjectMeta, &c.JobTemplate.Spec.Template.Spec, nil
	}
	return nil, nil, fmt.Errorf("kind %s carries no pod", o.Kind)
}

func main() {
	level := flag.String("level", "restricted", "privileged, baseline or restricted")
	version := flag.String("version", "latest", "policy version, e.g. latest or v1.33")
	flag.Parse()
	lv, err := api.ParseLevel(*level)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ver, err := api.ParseVersion(*version)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var objects []object
	if err := json.Unmarshal(input, &objects); err != nil {
		fmt.Fprintln(os.Stderr, "input must be a JSON array of objects:", err)
		os.Exit(2)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	failed := false
	for _, o := range objects {
		id := fmt.Sprintf("%s/%s", o.Kind, o.Metadata.Name)
		meta, spec, err := podOf(o)
		if err != nil {
			fmt.Fprintln(os.Stderr, id+":", err)
			os.Exit(2)
		}
		results := evaluator.EvaluatePod(api.LevelVersion{Level: lv, Version: ver}, meta, spec)
		agg := policy.AggregateCheckResults(results)
		if agg.Allowed {
			fmt.Println("ok " + id)
			continue
		}
		failed = true
		for _, r := range results {
			if !r.Allowed {
				fmt.Printf("violation %s: %s: %s\n", id, r.ForbiddenReason, r.ForbiddenDetail)
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}
