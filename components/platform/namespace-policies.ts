/**
 * The NetworkPolicies of the namespaces the program owns besides the app's (see
 * `app-namespace.ts`): monitoring, the backups and the load test. Each set is default deny (in
 * and out) plus DNS plus the exact flows the namespace's pods need; pure functions, tested with
 * exact inputs. docs/network.md draws the flows.
 */
import * as k8s from "@pulumi/kubernetes";
import { defaultDenyPolicy, dnsEgressPolicy, fromNamespaces, NamedNetworkPolicy, NAMESPACE_NAME_LABEL } from "../app/app-namespace";
import { KUBE_PROMETHEUS_STACK_RELEASE, PROMETHEUS_PORT } from "../monitoring/prometheus-endpoint";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Port = k8s.types.input.networking.v1.NetworkPolicyPort;

/** Any IPv4 address (destinations NetworkPolicy cannot name otherwise: SaaS receivers, Azure endpoints). */
export const ANY_IPV4 = "0.0.0.0/0";

/**
 * The API server as an egress peer: the ports alone, no `to`. Its address is not a pod, and with
 * the Cilium dataplane AKS uses an `ipBlock` (even 0.0.0.0/0) does not match the API server,
 * which Cilium gives its own `kube-apiserver` identity; a port-only rule is what works on every
 * CNI. Destinations inside the cluster on these ports stay closed by their own default deny.
 */
function apiServerEgress(ports: readonly number[]): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
    return { ports: [...new Set(ports)].sort((a, b) => a - b).map(tcp) };
}

/**
 * Labels of the monitoring stack's pods. Prometheus and Alertmanager pods get theirs from the
 * Prometheus Operator, Grafana's from its chart; the operator's Deployment is labelled
 * `app: <chart name>-operator` and `release: <release>` by kube-prometheus-stack.
 */
export const MONITORING_PODS = {
    prometheus: { "app.kubernetes.io/name": "prometheus" },
    alertmanager: { "app.kubernetes.io/name": "alertmanager" },
    grafana: { "app.kubernetes.io/name": "grafana" },
    operator: { app: `${KUBE_PROMETHEUS_STACK_RELEASE}-operator`, release: KUBE_PROMETHEUS_STACK_RELEASE },
} as const;

/** Container ports of the monitoring stack (chart and operator defaults). */
export const MONITORING_PORTS = {
    prometheusWeb: PROMETHEUS_PORT,
    alertmanagerWeb: 9093,
    alertmanagerMesh: 9094,
    grafana: 3000,
    /** The operator's TLS port, where the API server calls its admission webhook. */
    operatorWebhook: 10250,
} as const;

const pods = (labels: Readonly<Record<string, string>>): Peer => ({ podSelector: { matchLabels: { ...labels } } });
const tcp = (port: number | string): Port => ({ protocol: "TCP", port });
const anyIp = (cidrs: readonly string[] = [ANY_IPV4]): Peer[] => cidrs.map((cidr) => ({ ipBlock: { cidr } }));

/** The load test's remote write into Prometheus (only where the receiver is on). */
export interface RemoteWriteSource {
    readonly namespace: string;
    /** Labels of the k6 pods. */
    readonly podLabels: Readonly<Record<string, string>>;
}

export interface MonitoringTraffic {
    /** Namespaces whose pods may reach Grafana (the ingress controller's). */
    readonly grafanaIngressNamespaces: readonly string[];
    /** TCP ports of the API server as the pods reach it (AKS: 443; kind/k3d: 6443). */
    readonly apiServerPorts: readonly number[];
    /** TCP ports of the Alertmanager receivers outside the cluster (443, plus the SMTP smarthost's). */
    readonly receiverPorts: readonly number[];
    /** @default none (the remote-write receiver is off) */
    readonly remoteWrite?: RemoteWriteSource;
}

/**
 * Monitoring: Prometheus and Alertmanager accept only from Grafana, each other and the operator
 * (plus the load test's remote write where it is on); Grafana only from the ingress namespaces;
 * the operator's webhook port from the API server (whose address NetworkPolicy cannot name).
 * Egress: Prometheus scrapes every namespace and node (all egress); Alertmanager reaches its peers
 * and the receivers' ports; Grafana reaches Prometheus and Alertmanager; every pod may reach the
 * API server's ports (the operator, kube-state-metrics, Grafana's sidecars, the webhook jobs).
 * node-exporter runs in the host network, where NetworkPolicies do not apply.
 */
export function monitoringNetworkPolicySpecs(t: MonitoringTraffic): NamedNetworkPolicy[] {
    const P = MONITORING_PODS;
    const N = MONITORING_PORTS;
    const receiverPorts = [...new Set(t.receiverPorts)].sort((a, b) => a - b);
    const apiPorts = [...new Set(t.apiServerPorts)].sort((a, b) => a - b);
    const prometheusFrom: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [
        { from: [pods(P.grafana), pods(P.alertmanager), pods(P.operator)], ports: [tcp(N.prometheusWeb)] },
    ];
    if (t.remoteWrite) {
        prometheusFrom.push({
            from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: t.remoteWrite.namespace } }, podSelector: { matchLabels: { ...t.remoteWrite.podLabels } } }],
            ports: [tcp(N.prometheusWeb)],
        });
    }
    return [
        defaultDenyPolicy(),
        dnsEgressPolicy(),
        {
            // Prometheus scrapes every pod of the namespace (its own, Alertmanager's, Grafana's,
            // the operator's and kube-state-metrics' metrics) and sends alerts to Alertmanager.
            name: "allow-from-prometheus",
            spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [pods(P.prometheus)] }] },
        },
        { name: "prometheus-allow-api", spec: { podSelector: { matchLabels: { ...P.prometheus } }, policyTypes: ["Ingress"], ingress: prometheusFrom } },
        {
            name: "alertmanager-allow-api",
            spec: {
                podSelector: { matchLabels: { ...P.alertmanager } },
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [pods(P.grafana), pods(P.operator)], ports: [tcp(N.alertmanagerWeb)] },
                    { from: [pods(P.alertmanager)], ports: [tcp(N.alertmanagerWeb), tcp(N.alertmanagerMesh), { protocol: "UDP", port: N.alertmanagerMesh }] },
                ],
            },
        },
        {
            name: "grafana-allow-from-ingress",
            spec: { podSelector: { matchLabels: { ...P.grafana } }, policyTypes: ["Ingress"], ingress: [{ from: fromNamespaces(t.grafanaIngressNamespaces), ports: [tcp(N.grafana)] }] },
        },
        {
            // The API server calls the admission webhook; its address is not a pod or a fixed CIDR.
            name: "operator-allow-webhook",
            spec: { podSelector: { matchLabels: { ...P.operator } }, policyTypes: ["Ingress"], ingress: [{ ports: [tcp(N.operatorWebhook)] }] },
        },
        { name: "prometheus-allow-scrape-egress", spec: { podSelector: { matchLabels: { ...P.prometheus } }, policyTypes: ["Egress"], egress: [{}] } },
        {
            name: "alertmanager-allow-egress",
            spec: {
                podSelector: { matchLabels: { ...P.alertmanager } },
                policyTypes: ["Egress"],
                egress: [
                    { to: [pods(P.alertmanager)], ports: [tcp(N.alertmanagerWeb), tcp(N.alertmanagerMesh), { protocol: "UDP", port: N.alertmanagerMesh }] },
                    // An empty port list would mean every port: no rule then.
                    ...(receiverPorts.length ? [{ to: anyIp(), ports: receiverPorts.map(tcp) }] : []),
                ],
            },
        },
        {
            name: "grafana-allow-egress",
            spec: {
                podSelector: { matchLabels: { ...P.grafana } },
                policyTypes: ["Egress"],
                egress: [
                    { to: [pods(P.prometheus)], ports: [tcp(N.prometheusWeb)] },
                    { to: [pods(P.alertmanager)], ports: [tcp(N.alertmanagerWeb)] },
                ],
            },
        },
        ...(apiPorts.length ? [{ name: "allow-apiserver-egress", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [apiServerEgress(apiPorts)] } }] : []),
    ];
}

export interface BackupTraffic {
    /** IPv4 CIDRs and TCP port of the database (the backup's source, the restore's target). */
    readonly databaseCidrs: readonly string[];
    readonly databasePort: number;
    /**
     * Where the pods reach Azure over HTTPS: the blob endpoint (the storage private endpoint's
     * subnet when it is private) and Entra ID's token endpoint for workload identity.
     */
    readonly httpsCidrs: readonly string[];
}

/** Backups: DNS, the database, and HTTPS to Azure (Storage, Entra ID); nothing comes in. */
export function backupNetworkPolicySpecs(t: BackupTraffic): NamedNetworkPolicy[] {
    return [
        defaultDenyPolicy(),
        dnsEgressPolicy(),
        { name: "backup-allow-database-egress", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: anyIp(t.databaseCidrs), ports: [tcp(t.databasePort)] }] } },
        { name: "backup-allow-azure-https-egress", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: anyIp(t.httpsCidrs), ports: [tcp(443)] }] } },
    ];
}

export interface LoadTestTraffic {
    /** Labels of the k6 pods. */
    readonly podLabels: Readonly<Record<string, string>>;
    readonly appNamespace: string;
    readonly appPodLabels: Readonly<Record<string, string>>;
    /** The app's container port name; undefined: any port of the app's pods. */
    readonly appPortName?: string;
    /** The scaling check reads the HPA through the API server on these ports. @default none */
    readonly apiServerPorts?: readonly number[];
    /** Remote write to Prometheus (namespace and port). @default none */
    readonly prometheus?: { readonly namespace: string; readonly port: number };
}

/**
 * The load test: the k6 pods reach only the app's pods (behind its Service), plus the API server
 * for the scaling check and Prometheus for the remote write when those are on.
 */
export function loadTestNetworkPolicySpecs(t: LoadTestTraffic): NamedNetworkPolicy[] {
    const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [
        {
            to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: t.appNamespace } }, podSelector: { matchLabels: { ...t.appPodLabels } } }],
            ...(t.appPortName !== undefined ? { ports: [tcp(t.appPortName)] } : {}),
        },
    ];
    if (t.prometheus) {
        egress.push({
            to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: t.prometheus.namespace } }, podSelector: { matchLabels: { ...MONITORING_PODS.prometheus } } }],
            ports: [tcp(t.prometheus.port)],
        });
    }
    if (t.apiServerPorts?.length) egress.push(apiServerEgress(t.apiServerPorts));
    return [
        defaultDenyPolicy(),
        dnsEgressPolicy(),
        { name: "k6-allow-egress", spec: { podSelector: { matchLabels: { ...t.podLabels } }, policyTypes: ["Egress"], egress } },
    ];
}

/** The TCP port of an http(s) URL (explicit, or 80/443 by scheme). */
export function urlPort(url: string): number {
    const u = new URL(url);
    return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}
