import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as YAML from "yaml";
import { AlertmanagerConfig } from "./alertmanager-config";
import { alertmanagerFiles, AlertmanagerFilesArgs, createAlertmanagerFiles, MONITORING_LABELS, validateAlertmanagerFiles } from "./monitoring";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";

/** The key of the Alertmanager configuration in its Secret (what `Alertmanager.spec.configSecret` reads). */
export const ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml";

/** The data of the Alertmanager configuration Secret (pure; the component and its tests use it). */
export function alertmanagerConfigSecretData(config: AlertmanagerConfig | Record<string, unknown>): Record<string, string> {
    return { [ALERTMANAGER_CONFIG_KEY]: YAML.stringify(config) };
}

export interface OperatorMonitoringArgs extends AlertmanagerFilesArgs {
    /** Namespace of the existing monitoring stack (it must exist; this component does not create it). */
    readonly namespace: string;
    /** Name of the Secret holding `alertmanager.yaml`, for the existing Alertmanager's `spec.configSecret`. */
    readonly alertmanagerConfigSecretName: string;
}

/**
 * Monitoring mode `existing-operator`: the Alertmanager configuration, the receiver Secret and the time
 * zone ConfigMap, for a cluster that already runs the Prometheus Operator, Prometheus, Alertmanager and
 * Grafana (e.g. an existing kube-prometheus-stack). No CRD, chart or Grafana is deployed; the
 * composition adds the ServiceMonitor, PrometheusRule and dashboard ConfigMaps as in mode `helm`.
 * The existing Alertmanager takes them with `configSecret`, `secrets` and a zoneinfo volume (docs/monitoring.md#into-an-existing-prometheus-operator-monitoringmode-existing-operator).
 */
export class OperatorMonitoring extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly alertmanagerConfigSecretName: pulumi.Output<string>;
    /** The Alertmanager configuration built from the on-call spec (the configuration Secret's `alertmanager.yaml`). */
    public readonly alertmanagerConfig: AlertmanagerConfig;
    /** Secret with the receivers' secrets (the existing Alertmanager's `spec.secrets`). */
    public readonly receiverSecretName: string;

    constructor(name: string, args: OperatorMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:monitoring:OperatorMonitoring", name, {}, opts);
        const v = new ArgsValidator(`OperatorMonitoring ${name}`);
        const ns = v.matches("namespace", args.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.dnsSubdomain("alertmanagerConfigSecretName", args.alertmanagerConfigSecretName);
        validateAlertmanagerFiles(v, args);
        const files = alertmanagerFiles(args);
        const labels = { ...MONITORING_LABELS };

        const config = new k8s.core.v1.Secret(
            `${name}-alertmanager-config`,
            {
                metadata: { name: args.alertmanagerConfigSecretName, namespace: ns, labels },
                type: "Opaque",
                stringData: alertmanagerConfigSecretData(files.config),
            },
            { parent: this },
        );
        createAlertmanagerFiles(this, name, ns, files, { labels });
        this.namespace = pulumi.output(ns);
        this.alertmanagerConfigSecretName = config.metadata.name;
        this.alertmanagerConfig = files.config;
        this.receiverSecretName = files.secretName;
        this.registerOutputs({ namespace: this.namespace, alertmanagerConfigSecretName: this.alertmanagerConfigSecretName, receiverSecretName: this.receiverSecretName });
    }
}
