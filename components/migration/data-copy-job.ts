/**
 * One data copy run of a migration: a Kubernetes Job that streams the source MongoDB into the
 * target (`mongodump --archive --gzip --oplog | mongorestore --archive --gzip --oplogReplay --drop`)
 * and then verifies the copy (components/migration/container-scripts/migrate-data.sh). The connection strings come
 * from Pulumi secrets into a Kubernetes Secret and reach the pod through `secretKeyRef`.
 *
 * Every object's name carries the run id: a new run id is an explicit rerun (a new Job), and an
 * unchanged run id leaves the finished Job alone. Pulumi waits for the Job to complete (up to
 * `timeoutMinutes`), so resources that `dependsOn` it are only updated after a verified copy.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgsValidator } from "../shared/validation";

/** The files of the Job's ConfigMap (script and mongosh inventory), read from components/migration/container-scripts/. */
export function dataCopyScripts(): Record<string, string> {
    const dir = path.join(__dirname, "container-scripts");
    return {
        "migrate-data.sh": fs.readFileSync(path.join(dir, "migrate-data.sh"), "utf8"),
        "inventory.js": fs.readFileSync(path.join(dir, "inventory.js"), "utf8"),
    };
}

/** A data copy's run id: 1-20 lower-case letters, digits or '-' (part of every object name); `migration.copy.runId` too. */
export const COPY_RUN_ID = /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/;

export interface DataCopyJobArgs {
    /** Namespace of the Job, its Secret and ConfigMap (the new system's). */
    readonly namespace: pulumi.Input<string>;
    /** 1-20 lower-case letters, digits or '-'; part of every object name. */
    readonly runId: string;
    /** Source connection string (a Pulumi secret). */
    readonly sourceUri: pulumi.Input<string>;
    /** Target connection string (a Pulumi secret). */
    readonly targetUri: pulumi.Input<string>;
    /** Image with mongodump, mongorestore and mongosh (pinned tag or digest, never latest). */
    readonly image: string;
    /** How long the Job may run and `pulumi up` waits for it, in minutes (migration.copy.timeoutMinutes: its default and range live in the config schema). */
    readonly timeoutMinutes: number;
    /** TCP ports of the databases the Job's pod may connect to (migration.copy.databasePorts). */
    readonly databasePorts: readonly number[];
}

/** The data copy Job of one run, with its Secret, script ConfigMap and egress NetworkPolicy. */
export class DataCopyJob extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: string;

    constructor(name: string, args: DataCopyJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:migration:DataCopyJob", name, {}, opts);
        const v = new ArgsValidator("DataCopyJob");
        v.matches("runId", args.runId, COPY_RUN_ID, "1-20 lower-case letters, digits or '-', starting and ending with a letter or digit");
        v.pinnedImage("image", args.image);
        const timeoutMinutes = v.integer("timeoutMinutes", args.timeoutMinutes, 1);
        const ports = args.databasePorts;
        v.nonEmpty("databasePorts", ports);
        ports.forEach((p, i) => v.integer(`databasePorts[${i}]`, p, 1, 65535));

        const base = `itops-data-copy-${args.runId}`;
        this.jobName = base;
        const labels = { "app.kubernetes.io/name": "itops-data-copy", "app.kubernetes.io/component": "data-copy", "app.kubernetes.io/managed-by": "pulumi", "itops.io/data-copy-run": args.runId };

        const secret = new k8s.core.v1.Secret(
            `${name}-uris`,
            {
                metadata: { name: base, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: { SOURCE_URI: pulumi.secret(args.sourceUri), TARGET_URI: pulumi.secret(args.targetUri) },
            },
            { parent: this },
        );
        const scripts = new k8s.core.v1.ConfigMap(
            `${name}-script`,
            { metadata: { name: `${base}-script`, namespace: args.namespace, labels }, data: dataCopyScripts() },
            { parent: this },
        );
        const netpol = new k8s.networking.v1.NetworkPolicy(
            `${name}-egress`,
            {
                metadata: { name: `${base}-egress`, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: { "itops.io/data-copy-run": args.runId } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [],
                    egress: [
                        { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
                        { ports: ports.map((port) => ({ protocol: "TCP", port })) },
                    ],
                },
            },
            { parent: this },
        );
        const uri = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: base, key } } });
        this.job = new k8s.batch.v1.Job(
            name,
            {
                metadata: { name: base, namespace: args.namespace, labels },
                spec: {
                    backoffLimit: 0,
                    activeDeadlineSeconds: timeoutMinutes * 60,
                    template: {
                        metadata: { labels },
                        spec: {
                            restartPolicy: "Never",
                            automountServiceAccountToken: false,
                            securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } },
                            containers: [
                                {
                                    name: "copy",
                                    image: args.image,
                                    command: ["bash", "/scripts/migrate-data.sh"],
                                    env: [uri("SOURCE_URI"), uri("TARGET_URI"), { name: "SCRIPT_DIR", value: "/scripts" }, { name: "WORK_DIR", value: "/work" }, { name: "HOME", value: "/work" }],
                                    resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
                                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                    volumeMounts: [
                                        { name: "scripts", mountPath: "/scripts", readOnly: true },
                                        { name: "work", mountPath: "/work" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "scripts", configMap: { name: `${base}-script`, defaultMode: 0o555 } },
                                { name: "work", emptyDir: { sizeLimit: "1Gi" } },
                            ],
                        },
                    },
                },
            },
            {
                parent: this,
                dependsOn: [secret, scripts, netpol],
                // Pulumi waits for the Job to complete; a large database takes hours.
                customTimeouts: { create: `${timeoutMinutes}m`, update: `${timeoutMinutes}m` },
            },
        );
        this.registerOutputs({ jobName: this.jobName });
    }
}
