/**
 * The staged migration (issue #6) as one component, `itops:migration:Migration`: weighted routing
 * between the old system and the new one, the old system's replica count, the optional data copy
 * Job and the migration's alert group (its own PrometheusRule), all children of one node, so that
 * `pulumi preview` shows the migration as one reviewable unit.
 *
 * The new system is passed in as typed resources (its Service and Deployment), never by name; the
 * settings are the parsed `migration` section of the stack config ({@link MigrationSpec}).
 *
 * Until issue #14 these resources were created by the plain function `deployMigration`, at the root
 * of the stack. Each child therefore carries `aliases: [{ parent: pulumi.rootStackResource }]`: a
 * stack deployed with the old code sees its resources move under the Migration node, not a
 * replacement (their own children inherit the alias). The alert group was part of the monitoring
 * catalogue's PrometheusRule before; it is a new PrometheusRule here (nothing to alias).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EnabledMigrationConfig, MigrationConfig } from "../../infra/config/migration";
import { AlertRules } from "../monitoring/alert-rules";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";
import { DataCopyJob } from "./data-copy-job";
import { DeploymentReplicas } from "./deployment-replicas";
import { migrationAlertGroup } from "./migration-alerts";
import { routeWeights, RouteWeights, WeightedRoute } from "./weighted-route";

/** The settings the component reads: the parsed `migration` section (enabled). */
export type MigrationSpec = Pick<
    EnabledMigrationConfig,
    "steps" | "stage" | "routing" | "dataStrategy" | "hosts" | "tlsSecretName" | "gateway" | "ingressClassName" | "oldSystem" | "replicas" | "retireOld" | "testerHeader" | "copy" | "gate"
>;

/** The new system, as the workload component exposes it. */
export interface MigrationTarget {
    readonly namespace: pulumi.Input<string>;
    readonly service: k8s.core.v1.Service;
    readonly deployment: k8s.apps.v1.Deployment;
    /** Port of the Service's `http` port. */
    readonly httpPort: number;
    /** The workload's name: the `service` label of the migration's alert. */
    readonly name: string;
    /** `database.mode managed`: the stack's MongoDatabase, the copy's target (its URI and port). @default none (mode external: `migration.copy.targetUri`) */
    readonly database?: { readonly uri: pulumi.Input<string>; readonly port: number };
}

/** The copy's target: the managed database's connection string, else `migration.copy.targetUri`. */
export function copyTargetUri(configured: pulumi.Input<string> | undefined, database: MigrationTarget["database"]): pulumi.Input<string> {
    if (database) return database.uri;
    if (configured === undefined) throw new pulumi.RunError("it-ops-infra:migration.copy.targetUri is required with database.mode external");
    return configured;
}

/** Where the migration's alert group goes: the monitoring namespace, as the stack's Prometheus selects rules. */
export interface MigrationAlertPlacement {
    readonly namespace: pulumi.Input<string>;
    /** URL prefix of docs/runbooks/. */
    readonly runbookBaseUrl: string;
    /** Labels an existing Prometheus selects rules by (monitoring mode existing-operator). @default none */
    readonly labels?: Readonly<Record<string, string>>;
    /** What the PrometheusRule waits for (the Prometheus Operator CRDs in monitoring mode helm). @default none */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/** Weights and replica counts of the configured stage. */
export interface MigrationPlan {
    readonly stage: number;
    readonly weights: RouteWeights;
    readonly oldReplicas: number;
    readonly newReplicas: number;
}

/** What the configured stage means: weights from `steps[stage]`, the old system at 0 once retired. Pure. */
export function migrationPlan(m: Pick<MigrationSpec, "steps" | "stage" | "retireOld" | "replicas">): MigrationPlan {
    return {
        stage: m.stage,
        weights: routeWeights(m.steps, m.stage),
        oldReplicas: m.retireOld ? 0 : m.replicas.old,
        newReplicas: m.replicas.new,
    };
}

/** The new system's replica count while a migration is enabled (else `fallback`, the workload's own). Pure. */
export function newSystemReplicas(cfg: MigrationConfig, fallback: number): number {
    return cfg.enabled ? cfg.replicas.new : fallback;
}

/** The highest replica count the component sets on either system (DeploymentReplicas' own limit). */
export const MAX_MIGRATION_REPLICAS = 1000;

/**
 * The first problem of a migration spec that no caller may pass (whatever its config says), or
 * undefined. Pure: the component throws it before creating any child.
 */
export function migrationSpecProblem(m: Pick<MigrationSpec, "steps" | "stage" | "retireOld" | "replicas">): { field: string; allowed: string; value: unknown } | undefined {
    if (!Array.isArray(m.steps) || m.steps.length < 2) return { field: "migration.steps", allowed: "a list of at least two percentages", value: m.steps };
    for (const [i, s] of m.steps.entries()) {
        if (!Number.isInteger(s) || s < 0 || s > 100) return { field: `migration.steps[${i}]`, allowed: "an integer percentage from 0 to 100", value: s };
        if (i > 0 && s <= m.steps[i - 1]) return { field: `migration.steps[${i}]`, allowed: `above the previous step (${m.steps[i - 1]})`, value: s };
    }
    if (!Number.isInteger(m.stage) || m.stage < 0 || m.stage >= m.steps.length) return { field: "migration.stage", allowed: `an integer from 0 to ${m.steps.length - 1} (an index into steps)`, value: m.stage };
    for (const side of ["old", "new"] as const) {
        const min = side === "new" ? 1 : 0;
        const n = m.replicas[side];
        if (!Number.isInteger(n) || n < min || n > MAX_MIGRATION_REPLICAS) return { field: `migration.replicas.${side}`, allowed: `an integer from ${min} to ${MAX_MIGRATION_REPLICAS}`, value: n };
    }
    if (m.retireOld && m.steps[m.stage] !== 100) {
        return { field: "migration.retireOld", allowed: `false unless the stage sends 100 % to the new system (stage ${m.stage} sends ${m.steps[m.stage]} %)`, value: m.retireOld };
    }
    return undefined;
}

/** The `migration` stack output: stage, routing, weights, replica counts, data-copy Job. */
export interface MigrationStackOutput {
    readonly stage: number;
    readonly routing: MigrationSpec["routing"];
    readonly dataStrategy: MigrationSpec["dataStrategy"];
    readonly newWeight: number;
    readonly oldWeight: number;
    readonly oldReplicas: number;
    readonly newReplicas: number;
    /** `<namespace>/<job>` of the data copy run, when one is configured. */
    readonly dataCopyJob?: pulumi.Output<string>;
}

export interface MigrationArgs {
    /** The parsed `migration` section (enabled). */
    readonly migration: MigrationSpec;
    /** The new system (the workload's namespace, Service, http port and Deployment). */
    readonly target: MigrationTarget;
    /** Where the migration's alert group (level 2, error ratio above the gate) is deployed. */
    readonly alerts: MigrationAlertPlacement;
}

/** Old URNs had no parent: the resources were created at the root of the stack by `deployMigration`. */
const FROM_ROOT: pulumi.Alias[] = [{ parent: pulumi.rootStackResource }];

/**
 * A staged migration: `${name}-route` (WeightedRoute), `${name}-old-replicas` (DeploymentReplicas
 * of the old system), `${name}-copy` (DataCopyJob, when a copy run is configured) and
 * `${name}-alerts` (AlertRules). The children keep the names `deployMigration` gave them (with
 * `name` = "itops-migration"), so a deployed stack only sees them re-parented. The Kubernetes
 * provider comes through `opts` (children inherit it).
 */
export class Migration extends pulumi.ComponentResource {
    /** Stage, weights and replica counts this deployment sets. */
    public readonly plan: MigrationPlan;
    /** Name of the route object (HTTPRoute, or the canary Ingress pair's name). */
    public readonly routeName: string;
    /** Name of the data copy Job, when a copy run is configured. */
    public readonly dataCopyJobName?: string;
    /** Name of the alert group's PrometheusRule. */
    public readonly alertRulesName: pulumi.Output<string>;
    public readonly route: WeightedRoute;
    public readonly oldReplicas: DeploymentReplicas;
    public readonly dataCopy?: DataCopyJob;
    public readonly alerts: AlertRules;
    /** The `migration` stack output. */
    public readonly stackOutput: MigrationStackOutput;

    constructor(name: string, args: MigrationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:migration:Migration", name, {}, opts);
        const v = new ArgsValidator(`Migration ${name}`);
        v.matches("name", name, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        const m = args.migration;
        const problem = migrationSpecProblem(m);
        if (problem) throw v.fail(problem.field, problem.allowed, problem.value);
        v.integer("target.httpPort", args.target.httpPort, 1, 65535);
        v.matches("target.name", args.target.name, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.matches("alerts.runbookBaseUrl", args.alerts.runbookBaseUrl, /^https?:\/\/\S+$/, "an http(s) URL");
        // Builds (and checks) the alert group before any child exists.
        const alertGroup = migrationAlertGroup({ selector: m.gate.selector, service: args.target.name, maxErrorRatio: m.gate.maxErrorRatio, window: m.gate.window });

        const plan = migrationPlan(m);
        this.plan = plan;
        const old = m.oldSystem;
        const target = args.target;

        this.dataCopy = m.copy
            ? new DataCopyJob(
                  `${name}-copy`,
                  {
                      namespace: target.namespace,
                      runId: m.copy.runId,
                      sourceUri: m.copy.sourceUri,
                      targetUri: copyTargetUri(m.copy.targetUri, target.database),
                      image: m.copy.image,
                      timeoutMinutes: m.copy.timeoutMinutes,
                      databasePorts: target.database ? [...new Set([...m.copy.databasePorts, target.database.port])] : m.copy.databasePorts,
                  },
                  { parent: this, aliases: FROM_ROOT },
              )
            : undefined;

        const oldReplicasArgs = { namespace: old.namespace, deploymentName: old.deployment, replicas: plan.oldReplicas };
        const oldReplicasName = `${name}-old-replicas`;
        // Scaling the old system up happens before traffic returns to it; retiring it, after traffic left.
        const oldReplicasFirst = m.retireOld ? undefined : new DeploymentReplicas(oldReplicasName, oldReplicasArgs, { parent: this, aliases: FROM_ROOT });

        const routeDeps: pulumi.Resource[] = [target.deployment];
        if (this.dataCopy) routeDeps.push(this.dataCopy.job); // a failed copy stops `pulumi up` before any traffic moves
        if (oldReplicasFirst) routeDeps.push(oldReplicasFirst);
        this.route = new WeightedRoute(
            `${name}-route`,
            {
                mode: m.routing,
                hosts: m.hosts,
                newWeight: plan.weights.new,
                oldNamespace: old.namespace,
                oldServiceName: old.service,
                oldServicePort: old.port,
                newService: target.service,
                newServicePort: target.httpPort,
                testerHeaderName: m.testerHeader.name,
                testerHeaderValue: m.testerHeader.value,
                tlsSecretName: m.tlsSecretName,
                gatewayName: m.gateway.name,
                gatewayNamespace: m.gateway.namespace,
                gatewayClassName: m.gateway.className,
                ingressClassName: m.ingressClassName,
            },
            { parent: this, aliases: FROM_ROOT, dependsOn: routeDeps },
        );
        this.oldReplicas = oldReplicasFirst ?? new DeploymentReplicas(oldReplicasName, oldReplicasArgs, { parent: this, aliases: FROM_ROOT, dependsOn: [this.route] });

        const a = args.alerts;
        this.alerts = new AlertRules(
            `${name}-alerts`,
            { namespace: a.namespace, groups: [alertGroup], runbookBaseUrl: a.runbookBaseUrl, ...(a.labels ? { labels: { ...a.labels } } : {}) },
            { parent: this, ...(a.dependsOn ? { dependsOn: [...a.dependsOn] } : {}) },
        );

        this.routeName = this.route.routeName;
        this.dataCopyJobName = this.dataCopy?.jobName;
        this.alertRulesName = this.alerts.name;
        this.stackOutput = {
            stage: plan.stage,
            routing: m.routing,
            dataStrategy: m.dataStrategy,
            newWeight: plan.weights.new,
            oldWeight: plan.weights.old,
            oldReplicas: plan.oldReplicas,
            newReplicas: plan.newReplicas,
            ...(this.dataCopy ? { dataCopyJob: pulumi.interpolate`${target.namespace}/${this.dataCopy.jobName}` } : {}),
        };
        this.registerOutputs({
            plan: this.plan,
            routeName: this.routeName,
            ...(this.dataCopyJobName ? { dataCopyJobName: this.dataCopyJobName } : {}),
            alertRulesName: this.alertRulesName,
        });
    }
}
