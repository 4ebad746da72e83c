import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT, LABEL_KEY, PORT_NAME, PORT_NAME_TEXT } from "../shared/validation";
import { labelsField } from "../shared/metadata";

const DURATION = /^((\d+)h)?((\d+)m)?((\d+)s)?$/;

/**
 * PromQL label matchers of the series Prometheus scrapes through a ServiceMonitor from a Service:
 * the operator labels them with the Service's `namespace` and `service` name.
 */
export function serviceSeriesSelector(s: { readonly namespace: string; readonly service: string }): string {
    return `namespace="${s.namespace}",service="${s.service}"`;
}

/** The `spec` of a ServiceMonitor (pure; used by the component and its tests). */
export function serviceMonitorSpec(a: {
    selector: Record<string, string>;
    port: string;
    path: string;
    interval: string;
    namespaces: readonly string[];
    jobLabel?: string;
}) {
    return {
        selector: { matchLabels: { ...a.selector } },
        namespaceSelector: { matchNames: [...a.namespaces] },
        ...(a.jobLabel ? { jobLabel: a.jobLabel } : {}),
        endpoints: [{ port: a.port, path: a.path, interval: a.interval, scheme: "http" }],
    };
}

export interface ServiceMonitorArgs {
    /** Namespace of the ServiceMonitor object itself. */
    readonly namespace: pulumi.Input<string>;
    /** Labels of the Services to scrape (`selector.matchLabels`). */
    readonly selector: pulumi.Input<Record<string, string>>;
    /** Name of the Service port that serves metrics. */
    readonly port: string;
    /** Namespaces the selected Services live in (`namespaceSelector.matchNames`). */
    readonly targetNamespaces: pulumi.Input<string>[];
    /** @default "/metrics" */
    readonly path?: string;
    /** Scrape interval. @default "30s" */
    readonly interval?: string;
    /** Service label whose value becomes the `job` label. @default the Service name (Prometheus Operator default) */
    readonly jobLabel?: string;
    /** Extra labels of the ServiceMonitor. @default {} */
    readonly labels?: Record<string, string>;
}

/** A `monitoring.coreos.com/v1` ServiceMonitor: Prometheus scrapes the selected Services' metrics port. */
export class ServiceMonitor extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: ServiceMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:monitoring:ServiceMonitor", name, {}, opts);
        const v = new ArgsValidator(`ServiceMonitor ${name}`);
        v.matches("port", args.port, PORT_NAME, PORT_NAME_TEXT);
        const path = v.matches("path", args.path ?? "/metrics", /^\/\S*$/, "a URL path starting with /");
        const interval = v.matches("interval", args.interval ?? "30s", DURATION, "a duration such as 30s or 1m");
        if (interval === "" || interval === "0s") throw v.fail("interval", "a positive duration", interval);
        v.nonEmpty("targetNamespaces", args.targetNamespaces);
        if (args.jobLabel !== undefined) v.matches("jobLabel", args.jobLabel, LABEL_KEY, "a Kubernetes label key");
        v.matches("name", name, DNS1123_LABEL, DNS1123_LABEL_TEXT);

        const spec = pulumi
            .all([args.selector, pulumi.all(args.targetNamespaces)])
            .apply(([selector, namespaces]) => {
                if (Object.keys(selector).length === 0) throw v.fail("selector", "at least one label", selector);
                return serviceMonitorSpec({ selector, port: args.port, path, interval, namespaces, jobLabel: args.jobLabel });
            });
        const sm = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name, namespace: args.namespace, ...labelsField(args.labels) },
                spec,
            },
            // The CRDs (passed as dependsOn by the composition) must exist before this object.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        this.name = sm.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
