import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type * as k8sInputs from "@pulumi/kubernetes/types/input";
import { restrictedContainerSecurityContext } from "../app/app-spec";
import { createNetworkPolicies, podSecurityLabels } from "../app/app-namespace";
import { cronProblem, isTimeZone } from "../shared/cron-schedule";
import { backupNetworkPolicySpecs, BackupTraffic } from "../platform/namespace-policies";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";

/** The scripts the pods run, loaded from `components/backup/container-scripts/` into one ConfigMap. */
export const BACKUP_SCRIPTS = ["lib.sh", "backup.sh", "restore-drill.sh", "restore.sh"] as const;
export type BackupScript = (typeof BACKUP_SCRIPTS)[number];

/** Directory of the scripts in this repository. */
export const SCRIPTS_DIR = path.join(__dirname, "container-scripts");

/** Reads the container scripts (the ConfigMap's data). */
export function loadBackupScripts(dir: string = SCRIPTS_DIR): Record<BackupScript, string> {
    const out = {} as Record<BackupScript, string>;
    for (const f of BACKUP_SCRIPTS) out[f] = fs.readFileSync(path.join(dir, f), "utf8");
    return out;
}

/** Fixed names of the Kubernetes objects (the plan's Secret name is kept). */
export const BACKUP_NAMES = {
    secret: "backup-credentials",
    scripts: "mongodb-backup-scripts",
    backupCronJob: "mongodb-backup",
    drillCronJob: "mongodb-restore-drill",
    restoreCronJob: "mongodb-restore",
    /** Created by scripts/restore-backup.sh at restore time, never by Pulumi. */
    restoreTargetSecret: "mongodb-restore-target",
    restoreRequest: "mongodb-restore-request",
} as const;

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;

/** uid/gid of the `mongodb` user of the official mongo image. */
export const MONGODB_UID = 999;
/** Where the azcopy image keeps its binary (Azure/azure-storage-azcopy docker/Dockerfile). */
export const AZCOPY_BINARY = "/usr/local/bin/azcopy";

/** A container environment variable. */
export type EnvVar = k8sInputs.core.v1.EnvVar;

/** The restricted-profile security context of every container (the workload's, as the mongodb user). */
export function containerSecurityContext() {
    return restrictedContainerSecurityContext(MONGODB_UID);
}

export interface PodSpecParams {
    readonly role: "backup" | "restore-drill" | "restore";
    readonly script: BackupScript;
    readonly serviceAccountName: string;
    readonly mongoImage: string;
    readonly azcopyImage: string;
    readonly env: readonly EnvVar[];
    readonly resources: { requests: Record<string, string>; limits: Record<string, string> };
    readonly workVolumeSize: string;
}

/**
 * The pod of every backup Job: an init container copies the azcopy binary from Microsoft's
 * azcopy image into a shared emptyDir, then the mongo image (mongodump, mongorestore, mongod,
 * mongosh, jq) runs the script with azcopy on PATH. One container runs the whole script, so a
 * failed dump stops it before any upload.
 */
export function backupPodSpec(p: PodSpecParams) {
    const securityContext = containerSecurityContext();
    return {
        serviceAccountName: p.serviceAccountName,
        // The workload identity webhook projects its own token; the API token is not needed.
        automountServiceAccountToken: false,
        restartPolicy: "Never",
        securityContext: {
            runAsNonRoot: true,
            runAsUser: MONGODB_UID,
            runAsGroup: MONGODB_UID,
            fsGroup: MONGODB_UID,
            seccompProfile: { type: "RuntimeDefault" },
        },
        initContainers: [
            {
                name: "azcopy",
                image: p.azcopyImage,
                command: ["cp", AZCOPY_BINARY, "/tools/azcopy"],
                securityContext,
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                volumeMounts: [{ name: "tools", mountPath: "/tools" }],
            },
        ],
        containers: [
            {
                name: p.role,
                image: p.mongoImage,
                command: ["bash", `/scripts/${p.script}`],
                env: [...p.env],
                securityContext,
                resources: p.resources,
                volumeMounts: [
                    { name: "scripts", mountPath: "/scripts", readOnly: true },
                    { name: "tools", mountPath: "/tools", readOnly: true },
                    { name: "work", mountPath: "/work" },
                    { name: "tmp", mountPath: "/tmp" },
                ],
            },
        ],
        volumes: [
            { name: "scripts", configMap: { name: BACKUP_NAMES.scripts, defaultMode: 0o555 } },
            { name: "tools", emptyDir: { sizeLimit: "256Mi" } },
            { name: "work", emptyDir: { sizeLimit: p.workVolumeSize } },
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
        ],
    };
}

/** Environment shared by every script: where backups are, azcopy with workload identity. */
export function commonEnv(stack: string, containerUrl: pulumi.Input<string>): EnvVar[] {
    return [
        { name: "BACKUP_STACK", value: stack },
        { name: "BACKUP_CONTAINER_URL", value: containerUrl },
        { name: "WORK_DIR", value: "/work" },
        { name: "HOME", value: "/work" },
        { name: "PATH", value: "/tools:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
        { name: "AZCOPY_AUTO_LOGIN_TYPE", value: "WORKLOAD" },
        { name: "AZCOPY_LOG_LOCATION", value: "/work/.azcopy" },
        { name: "AZCOPY_JOB_PLAN_LOCATION", value: "/work/.azcopy/plans" },
    ];
}

export interface MongoBackupArgs {
    /** Namespace of every object (created by the component). */
    readonly namespace: string;
    /** The ServiceAccount federated with the backup identity. */
    readonly serviceAccountName: string;
    /** Client id of the backup identity (WorkloadIdentity.clientId). */
    readonly identityClientId: pulumi.Input<string>;
    /** The ServiceAccount of the restore and restore-drill jobs (federated with the read-only identity). */
    readonly restoreServiceAccountName: string;
    /** Client id of the read-only restore identity (Storage Blob Data Reader). */
    readonly restoreIdentityClientId: pulumi.Input<string>;
    /** `https://<account>.blob.core.windows.net/<container>`. */
    readonly containerUrl: pulumi.Input<string>;
    /** Stack name: the first segment of every blob path. */
    readonly stackName: string;
    /** MongoDB connection URI of the source (a Pulumi secret); only stored in the Secret. */
    readonly mongoUri: pulumi.Input<string>;
    /** Pinned mongo image (mongodump, mongorestore, mongod, mongosh, jq). */
    readonly mongoImage: string;
    /** Pinned azcopy image (binary at /usr/local/bin/azcopy). */
    readonly azcopyImage: string;
    /** Source is a replica set: dump with --oplog, restore with --oplogReplay. @default false */
    readonly replicaSet?: boolean;
    /** @default "0 2 * * *" */
    readonly schedule?: string;
    /** IANA time zone of the CronJobs. @default "Asia/Tokyo" */
    readonly timeZone?: string;
    /** @default true */
    readonly drillEnabled?: boolean;
    /** @default "0 5 * * 0" */
    readonly drillSchedule?: string;
    /** @default 3600 */
    readonly startingDeadlineSeconds?: number;
    /** @default 2 */
    readonly backoffLimit?: number;
    /** @default 10800 */
    readonly activeDeadlineSeconds?: number;
    /** @default 14400 */
    readonly drillActiveDeadlineSeconds?: number;
    /** @default 3 */
    readonly successfulJobsHistoryLimit?: number;
    /** @default 5 */
    readonly failedJobsHistoryLimit?: number;
    /** @default "250m" */
    readonly cpuRequest?: string;
    /** @default "512Mi" */
    readonly memoryRequest?: string;
    /** @default "1" */
    readonly cpuLimit?: string;
    /** @default "2Gi" */
    readonly memoryLimit?: string;
    /** Scratch volume size (one archive; the drill's throw-away database). @default "20Gi" */
    readonly workVolumeSize?: string;
    /** What the pods may reach (default deny plus DNS, the database and HTTPS to Azure). */
    readonly network: BackupTraffic;
}

/**
 * MongoDB backups on Kubernetes: a daily backup CronJob (mongodump → immutable blob storage
 * through workload identity), a weekly restore-drill CronJob (restore into a throw-away mongod
 * and compare counts with the manifest) and a suspended restore CronJob used as the template of
 * on-demand restores (scripts/restore-backup.sh).
 */
export class MongoBackup extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly serviceAccountName: pulumi.Output<string>;
    public readonly restoreServiceAccountName: pulumi.Output<string>;
    public readonly backupCronJobName: pulumi.Output<string>;
    public readonly drillCronJobName: pulumi.Output<string>;
    public readonly restoreCronJobName: pulumi.Output<string>;

    constructor(name: string, args: MongoBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:kubernetes:MongoBackup", name, {}, opts);
        const v = new ArgsValidator(`MongoBackup ${name}`);
        const ns = v.matches("namespace", args.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        const sa = v.dnsSubdomain("serviceAccountName", args.serviceAccountName);
        const restoreSa = v.dnsSubdomain("restoreServiceAccountName", args.restoreServiceAccountName);
        if (restoreSa === sa) throw v.fail("restoreServiceAccountName", `a ServiceAccount other than serviceAccountName (${sa}): restores use the read-only identity`, restoreSa);
        v.matches("stackName", args.stackName, /^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a stack name (letters, digits, '.', '_', '-')");
        v.pinnedImage("mongoImage", args.mongoImage);
        v.pinnedImage("azcopyImage", args.azcopyImage);
        const schedule = args.schedule ?? "0 2 * * *";
        const drillSchedule = args.drillSchedule ?? "0 5 * * 0";
        for (const [field, s] of [["schedule", schedule], ["drillSchedule", drillSchedule]] as const) {
            const problem = cronProblem(s);
            if (problem) throw v.fail(field, `a CronJob schedule (${problem})`, s);
        }
        const timeZone = args.timeZone ?? "Asia/Tokyo";
        if (!isTimeZone(timeZone)) throw v.fail("timeZone", "an IANA time zone such as Asia/Tokyo", timeZone);
        const startingDeadlineSeconds = v.integer("startingDeadlineSeconds", args.startingDeadlineSeconds ?? 3600, 10, 86_400);
        const backoffLimit = v.integer("backoffLimit", args.backoffLimit ?? 2, 0, 10);
        const activeDeadlineSeconds = v.integer("activeDeadlineSeconds", args.activeDeadlineSeconds ?? 10_800, 60, 86_400);
        const drillActiveDeadlineSeconds = v.integer("drillActiveDeadlineSeconds", args.drillActiveDeadlineSeconds ?? 14_400, 60, 86_400);
        const successful = v.integer("successfulJobsHistoryLimit", args.successfulJobsHistoryLimit ?? 3, 1, 100);
        const failed = v.integer("failedJobsHistoryLimit", args.failedJobsHistoryLimit ?? 5, 1, 100);
        const quantity = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
        const resources = {
            requests: {
                cpu: v.matches("cpuRequest", args.cpuRequest ?? "250m", quantity, "a Kubernetes quantity"),
                memory: v.matches("memoryRequest", args.memoryRequest ?? "512Mi", quantity, "a Kubernetes quantity"),
            },
            limits: {
                cpu: v.matches("cpuLimit", args.cpuLimit ?? "1", quantity, "a Kubernetes quantity"),
                memory: v.matches("memoryLimit", args.memoryLimit ?? "2Gi", quantity, "a Kubernetes quantity"),
            },
        };
        const workVolumeSize = v.matches("workVolumeSize", args.workVolumeSize ?? "20Gi", /^\d+(Mi|Gi|Ti)$/, "a size such as 20Gi");
        const replicaSet = args.replicaSet ?? false;
        v.nonEmpty("network.databaseCidrs", args.network.databaseCidrs);
        for (const c of args.network.databaseCidrs) v.matches("network.databaseCidrs", c, IPV4_CIDR, "IPv4 CIDRs such as 10.20.8.0/24");
        v.integer("network.databasePort", args.network.databasePort, 1, 65535);
        v.nonEmpty("network.httpsCidrs", args.network.httpsCidrs);
        for (const c of args.network.httpsCidrs) v.matches("network.httpsCidrs", c, IPV4_CIDR, "IPv4 CIDRs such as 10.20.16.0/24 or 0.0.0.0/0");
        const scripts = loadBackupScripts();

        const labels = { "app.kubernetes.io/name": "mongodb-backup", "app.kubernetes.io/part-of": "it-ops", "app.kubernetes.io/managed-by": "pulumi" };
        const meta = (objectName: string, component?: string) => ({
            name: objectName,
            namespace: ns,
            labels: component ? { ...labels, "app.kubernetes.io/component": component } : labels,
        });

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: ns,
                    // The backup pods meet the restricted Pod Security Standard: enforce, audit and warn it.
                    labels: { ...labels, ...podSecurityLabels() },
                },
            },
            { parent: this },
        );
        const inNs = { parent: this, dependsOn: [namespace] };
        createNetworkPolicies(this, name, ns, backupNetworkPolicySpecs(args.network), labels, { dependsOn: [namespace] });

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: { ...meta(sa), annotations: { "azure.workload.identity/client-id": args.identityClientId } },
                automountServiceAccountToken: false,
            },
            inNs,
        );

        // Restore and restore drill: the read-only identity (Storage Blob Data Reader).
        const restoreServiceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-restore-sa`,
            {
                metadata: { ...meta(restoreSa), annotations: { "azure.workload.identity/client-id": args.restoreIdentityClientId } },
                automountServiceAccountToken: false,
            },
            inNs,
        );

        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: meta(BACKUP_NAMES.secret),
                type: "Opaque",
                stringData: { uri: pulumi.secret(args.mongoUri) },
            },
            inNs,
        );

        const scriptsMap = new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: meta(BACKUP_NAMES.scripts), data: scripts }, inNs);

        const env = commonEnv(args.stackName, args.containerUrl);
        const deps = { parent: this, dependsOn: [serviceAccount, restoreServiceAccount, secret, scriptsMap] };
        const podLabels = (component: string) => ({ ...labels, "app.kubernetes.io/component": component, "azure.workload.identity/use": "true" });
        const cronSpec = (component: string, cronSchedule: string, deadline: number, pod: ReturnType<typeof backupPodSpec>, suspend = false) => ({
            schedule: cronSchedule,
            timeZone,
            suspend,
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds,
            successfulJobsHistoryLimit: successful,
            failedJobsHistoryLimit: failed,
            jobTemplate: {
                metadata: { labels: { ...labels, "app.kubernetes.io/component": component } },
                spec: {
                    backoffLimit,
                    activeDeadlineSeconds: deadline,
                    template: { metadata: { labels: podLabels(component) }, spec: pod },
                },
            },
        });
        // Only the backup writes; the restore and the drill run as the read-only ServiceAccount.
        const pod = (role: PodSpecParams["role"], script: BackupScript, extraEnv: EnvVar[]) =>
            backupPodSpec({ role, script, serviceAccountName: role === "backup" ? sa : restoreSa, mongoImage: args.mongoImage, azcopyImage: args.azcopyImage, env: [...env, ...extraEnv], resources, workVolumeSize });

        const backup = new k8s.batch.v1.CronJob(
            `${name}-backup`,
            {
                metadata: meta(BACKUP_NAMES.backupCronJob, "backup"),
                spec: cronSpec(
                    "backup",
                    schedule,
                    activeDeadlineSeconds,
                    pod("backup", "backup.sh", [
                        { name: "MONGODB_URI", valueFrom: { secretKeyRef: { name: BACKUP_NAMES.secret, key: "uri" } } },
                        { name: "BACKUP_OPLOG", value: String(replicaSet) },
                    ]),
                ),
            },
            deps,
        );

        const drill = new k8s.batch.v1.CronJob(
            `${name}-restore-drill`,
            {
                metadata: meta(BACKUP_NAMES.drillCronJob, "restore-drill"),
                spec: cronSpec(
                    "restore-drill",
                    drillSchedule,
                    drillActiveDeadlineSeconds,
                    pod("restore-drill", "restore-drill.sh", [{ name: "DRILL_MONGOD_PORT", value: "27017" }]),
                    !(args.drillEnabled ?? true),
                ),
            },
            deps,
        );

        // Never scheduled (suspended; 1 January as a placeholder schedule): the template of
        // on-demand restores, which `kubectl create job --from=cronjob/mongodb-restore` starts.
        const restore = new k8s.batch.v1.CronJob(
            `${name}-restore`,
            {
                metadata: meta(BACKUP_NAMES.restoreCronJob, "restore"),
                spec: cronSpec(
                    "restore",
                    "0 0 1 1 *",
                    drillActiveDeadlineSeconds,
                    pod("restore", "restore.sh", [
                        { name: "RESTORE_TARGET_URI", valueFrom: { secretKeyRef: { name: BACKUP_NAMES.restoreTargetSecret, key: "uri" } } },
                        { name: "RESTORE_BACKUP", valueFrom: { configMapKeyRef: { name: BACKUP_NAMES.restoreRequest, key: "backup", optional: true } } },
                        { name: "RESTORE_DROP", valueFrom: { configMapKeyRef: { name: BACKUP_NAMES.restoreRequest, key: "drop", optional: true } } },
                    ]),
                    true,
                ),
            },
            deps,
        );

        this.namespace = namespace.metadata.name;
        this.serviceAccountName = serviceAccount.metadata.name;
        this.restoreServiceAccountName = restoreServiceAccount.metadata.name;
        this.backupCronJobName = backup.metadata.name;
        this.drillCronJobName = drill.metadata.name;
        this.restoreCronJobName = restore.metadata.name;
        this.registerOutputs({
            namespace: this.namespace,
            serviceAccountName: this.serviceAccountName,
            restoreServiceAccountName: this.restoreServiceAccountName,
            backupCronJobName: this.backupCronJobName,
            drillCronJobName: this.drillCronJobName,
            restoreCronJobName: this.restoreCronJobName,
        });
    }
}
