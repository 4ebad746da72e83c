/**
 * Where the stack's Prometheus answers: one typed value derived once and handed to every part that
 * talks to it (the app's scrape allow, verify-staging.sh, the migration gate, the `prometheus`
 * stack output).
 *
 * - Mode `helm`: the project's own kube-prometheus-stack in `monitoring.namespace`; the Service name
 *   follows from the chart's release name ({@link KUBE_PROMETHEUS_STACK_RELEASE}), so it is never configured.
 * - Mode `existing-operator`: a Prometheus someone else runs; `monitoring.prometheus` says where
 *   (each field defaults to what the Prometheus Operator creates: the governing Service
 *   `prometheus-operated` on port 9090, in the monitoring namespace).
 */
/** The Helm release name of the project's kube-prometheus-stack (prefix of every object the chart creates). */
export const KUBE_PROMETHEUS_STACK_RELEASE = "kube-prometheus-stack";

/** Prometheus' port, in the chart and in what the Prometheus Operator creates. */
export const PROMETHEUS_PORT = 9090;
/** The governing Service the Prometheus Operator creates for every Prometheus (existing-operator default). */
export const OPERATOR_PROMETHEUS_SERVICE = "prometheus-operated";

/** Where Prometheus answers inside the cluster. */
export interface PrometheusEndpoint {
    /** Namespace of Prometheus' pods and Service (scrapes come from here). */
    readonly namespace: string;
    /** Name of Prometheus' Service. */
    readonly service: string;
    readonly port: number;
    /** `http://<service>.<namespace>.svc.cluster.local:<port>` (the cluster DNS name, as the app's target URL). */
    readonly url: string;
}

/** What the endpoint is derived from: the monitoring mode and namespace, and in mode existing-operator where Prometheus runs. */
export type PrometheusLocation =
    | { readonly mode: "helm"; readonly namespace: string }
    | {
          readonly mode: "existing-operator";
          /** `monitoring.namespace`: the default of `prometheus.namespace`. */
          readonly namespace: string;
          readonly prometheus?: { readonly namespace?: string; readonly service?: string; readonly port?: number };
      };

/** The stack's Prometheus endpoint (the one place its Service name and port are derived). Pure. */
export function prometheusEndpoint(where: PrometheusLocation): PrometheusEndpoint {
    const p = where.mode === "existing-operator" ? where.prometheus ?? {} : {};
    const namespace = p.namespace ?? where.namespace;
    const service = where.mode === "helm" ? `${KUBE_PROMETHEUS_STACK_RELEASE}-prometheus` : p.service ?? OPERATOR_PROMETHEUS_SERVICE;
    const port = p.port ?? PROMETHEUS_PORT;
    return { namespace, service, port, url: `http://${service}.${namespace}.svc.cluster.local:${port}` };
}
