import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type * as k8sInputs from "@pulumi/kubernetes/types/input";
import { restrictedContainerSecurityContext } from "../app/app-spec";
import { createNetworkPolicies, podSecurityLabels } from "../app/app-namespace";
import { cronProblem, isTimeZone } from "../shared/cron-schedule";
import { backupNetworkPolicySpecs, BackupTraffic } from "../platform/namespace-policies";
import { ArgsValidator } from "../shared/validation";
import type { BackupConfig } from "../../infra/config/backup";

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

/**
 * The backups' settings as the `backup` section of the stack configuration gives them: the schema
 * (infra/config/backup.ts) owns their defaults and ranges, so they are not repeated here.
 */
export type MongoBackupSettings = Pick<
    BackupConfig,
    | "namespace"
    | "serviceAccountName"
    | "restoreServiceAccountName"
    | "replicaSet"
    | "schedule"
    | "timeZone"
    | "drillEnabled"
    | "drillSchedule"
    | "startingDeadlineSeconds"
    | "backoffLimit"
    | "activeDeadlineSeconds"
    | "drillActiveDeadlineSeconds"
    | "successfulJobsHistoryLimit"
    | "failedJobsHistoryLimit"
    | "mongoImage"
    | "azcopyImage"
    | "resources"
    | "workVolumeSize"
>;

export interface MongoBackupArgs extends MongoBackupSettings {
    /** Client id of the backup identity (WorkloadIdentity.clientId). */
    readonly identityClientId: pulumi.Input<string>;
    /** Client id of the read-only restore identity (Storage Blob Data Reader). */
    readonly restoreIdentityClientId: pulumi.Input<string>;
    /** `https://<account>.blob.core.windows.net/<container>`. */
    readonly containerUrl: pulumi.Input<string>;
    /** Stack name: the first segment of every blob path. */
    readonly stackName: string;
    /** MongoDB connection URI of the source (a Pulumi secret); only stored in the Secret. */
    readonly mongoUri: pulumi.Input<string>;
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
        const ns = v.dnsLabel("namespace", args.namespace);
        const sa = v.dnsSubdomain("serviceAccountName", args.serviceAccountName);
        const restoreSa = v.dnsSubdomain("restoreServiceAccountName", args.restoreServiceAccountName);
        if (restoreSa === sa) throw v.fail("restoreServiceAccountName", `a ServiceAccount other than serviceAccountName (${sa}): restores use the read-only identity`, restoreSa);
        v.matches("stackName", args.stackName, /^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a stack name (letters, digits, '.', '_', '-')");
        v.pinnedImage("mongoImage", args.mongoImage);
        v.pinnedImage("azcopyImage", args.azcopyImage);
        // Invariants for any caller (the schema owns defaults and ranges): schedules and time zone
        // through the one cron module, resource quantities, and never an empty egress allow list.
        const { schedule, drillSchedule, timeZone, replicaSet, workVolumeSize, startingDeadlineSeconds, backoffLimit, activeDeadlineSeconds, drillActiveDeadlineSeconds } = args;
        for (const [field, s] of [["schedule", schedule], ["drillSchedule", drillSchedule]] as const) {
            const problem = cronProblem(s);
            if (problem) throw v.fail(field, `a CronJob schedule (${problem})`, s);
        }
        if (!isTimeZone(timeZone)) throw v.fail("timeZone", "an IANA time zone such as Asia/Tokyo", timeZone);
        const r = args.resources;
        const resources = {
            requests: { cpu: v.quantity("resources.cpuRequest", r.cpuRequest), memory: v.quantity("resources.memoryRequest", r.memoryRequest) },
            limits: { cpu: v.quantity("resources.cpuLimit", r.cpuLimit), memory: v.quantity("resources.memoryLimit", r.memoryLimit) },
        };
        v.quantity("workVolumeSize", workVolumeSize);
        v.nonEmpty("network.databaseCidrs", args.network.databaseCidrs);
        v.nonEmpty("network.httpsCidrs", args.network.httpsCidrs);
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
            successfulJobsHistoryLimit: args.successfulJobsHistoryLimit,
            failedJobsHistoryLimit: args.failedJobsHistoryLimit,
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
                    !args.drillEnabled,
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
