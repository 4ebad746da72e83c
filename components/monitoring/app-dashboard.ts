import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";

/** What the app dashboard shows. */
export interface AppDashboardTarget {
    readonly namespace: string;
    /** `job` label of the app's scrape targets. */
    readonly job: string;
}

/** The PromQL of each panel (pure; the dashboard and its tests use it). */
export function appDashboardQueries(t: AppDashboardTarget): Record<string, string> {
    const ns = `namespace="${t.namespace}"`;
    const ctr = `${ns}, container!="", container!="POD"`;
    const by = "namespace, pod, container";
    return {
        "Targets up": `sum(up{${ns}, job="${t.job}"})`,
        "CPU % of limit": `sum by (${by}) (rate(container_cpu_usage_seconds_total{${ctr}}[5m])) / on (${by}) sum by (${by}) (kube_pod_container_resource_limits{${ns}, resource="cpu"}) * 100`,
        "Memory % of limit": `sum by (${by}) (container_memory_working_set_bytes{${ctr}}) / on (${by}) sum by (${by}) (kube_pod_container_resource_limits{${ns}, resource="memory"}) * 100`,
        "Container restarts (1h)": `sum by (pod, container) (increase(kube_pod_container_status_restarts_total{${ns}}[1h]))`,
        "Request rate (req/s)": `sum by (code) (rate(http_requests_total{${ns}, job="${t.job}"}[5m]))`,
        "5xx error ratio %": `sum(rate(http_requests_total{${ns}, job="${t.job}", code=~"5.."}[5m])) / sum(rate(http_requests_total{${ns}, job="${t.job}"}[5m])) * 100`,
        "Latency p95 (s)": `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${ns}, job="${t.job}"}[5m])))`,
    };
}

/** The Grafana dashboard JSON model. */
export function appDashboardJson(uid: string, title: string, t: AppDashboardTarget): Record<string, unknown> {
    const percent = new Set(["CPU % of limit", "Memory % of limit", "5xx error ratio %"]);
    const panels = Object.entries(appDashboardQueries(t)).map(([name, expr], i) => ({
        id: i + 1,
        title: name,
        type: name === "Targets up" ? "stat" : "timeseries",
        datasource: { type: "prometheus", uid: "${datasource}" },
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: percent.has(name) ? "percent" : "short" }, overrides: [] },
        targets: [{ refId: "A", expr, legendFormat: name === "Request rate (req/s)" ? "{{code}}" : "" }],
    }));
    return {
        uid,
        title,
        tags: ["it-ops"],
        timezone: "browser",
        schemaVersion: 39,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", current: {} }] },
        panels,
    };
}

export interface AppDashboardArgs {
    /** Namespace of the ConfigMap (the sidecar watches every namespace). */
    readonly namespace: pulumi.Input<string>;
    readonly target: AppDashboardTarget;
    /** Label key the Grafana dashboard sidecar looks for. @default "grafana_dashboard" */
    readonly sidecarLabel?: string;
    /** @default "IT-Ops system" */
    readonly title?: string;
}

/** A Grafana dashboard for the IT-Ops app, shipped as a ConfigMap the dashboard sidecar loads. */
export class AppDashboard extends pulumi.ComponentResource {
    public readonly configMapName: pulumi.Output<string>;

    constructor(name: string, args: AppDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:monitoring:AppDashboard", name, {}, opts);
        const v = new ArgsValidator(`AppDashboard ${name}`);
        v.matches("name", name, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.matches("target.namespace", args.target.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.matches("target.job", args.target.job, /^\S+$/, "a job label value");
        const label = args.sidecarLabel ?? "grafana_dashboard";
        const cm = new k8s.core.v1.ConfigMap(
            name,
            {
                metadata: { name, namespace: args.namespace, labels: { [label]: "1" } },
                data: { [`${name}.json`]: JSON.stringify(appDashboardJson(name, args.title ?? "IT-Ops system", args.target), null, 2) },
            },
            { parent: this },
        );
        this.configMapName = cm.metadata.name;
        this.registerOutputs({ configMapName: this.configMapName });
    }
}
