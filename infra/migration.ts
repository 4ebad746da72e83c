/**
 * The composition of a staged migration (issue #6): weighted routing between the old system and
 * the new one, the old system's replica count, the optional data copy Job and the migration's
 * alert group — all from the `migration` section of the stack config.
 *
 * The new system is passed in as typed resources (its Service and Deployment), never by name.
 * `deployStack` calls {@link deployMigration} when `cfg.migration.enabled`, and passes
 * {@link newSystemReplicas} as the workload's replica count.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertRuleGroupSpec } from "../components/monitoring/alert-rule";
import { DataCopyJob } from "../components/migration/data-copy-job";
import { DeploymentReplicas } from "../components/migration/deployment-replicas";
import { migrationAlertGroup } from "../components/migration/migration-alerts";
import { routeWeights, RouteWeights, WeightedRoute } from "../components/migration/weighted-route";
import { EnabledMigrationConfig, MigrationConfig } from "./config/migration";

/** The new system, as the workload component exposes it. */
export interface MigrationTarget {
    readonly namespace: pulumi.Input<string>;
    readonly service: k8s.core.v1.Service;
    readonly deployment: k8s.apps.v1.Deployment;
    /** Port of the Service's `http` port. */
    readonly httpPort: number;
    /** `database.mode managed`: the stack's MongoDatabase, the copy's target (its URI and port). */
    readonly database?: { readonly uri: pulumi.Input<string>; readonly port: number };
}

/** Weights and replica counts of the configured stage. Pure. */
export interface MigrationPlan {
    readonly stage: number;
    readonly weights: RouteWeights;
    readonly oldReplicas: number;
    readonly newReplicas: number;
}

/** What the configured stage means: weights from `steps[stage]`, the old system at 0 once retired. */
export function migrationPlan(cfg: EnabledMigrationConfig): MigrationPlan {
    return {
        stage: cfg.stage,
        weights: routeWeights(cfg.steps, cfg.stage),
        oldReplicas: cfg.retireOld ? 0 : cfg.replicas.old,
        newReplicas: cfg.replicas.new,
    };
}

/** The new system's replica count while a migration is enabled (else `fallback`, the workload's own). */
export function newSystemReplicas(cfg: MigrationConfig, fallback: number): number {
    return cfg.enabled ? cfg.replicas.new : fallback;
}

export interface MigrationOutputs {
    readonly plan: MigrationPlan;
    readonly route: WeightedRoute;
    readonly oldReplicas: DeploymentReplicas;
    readonly dataCopy?: DataCopyJob;
    /** To be added to the monitoring stack's PrometheusRule while the migration is enabled. */
    readonly alertGroup: AlertRuleGroupSpec;
    /** Stack outputs (`migration`): stage, weights, replica counts, data-copy Job. */
    readonly outputs: Record<string, unknown>;
}

/** The copy's target: the managed database's connection string, else `migration.copy.targetUri`. */
export function copyTargetUri(configured: pulumi.Input<string> | undefined, database: MigrationTarget["database"]): pulumi.Input<string> {
    if (database) return database.uri;
    if (configured === undefined) throw new pulumi.RunError("it-ops-infra:migration.copy.targetUri is required with database.mode external");
    return configured;
}

/** Creates the migration's resources for the configured stage. */
export function deployMigration(cfg: EnabledMigrationConfig, target: MigrationTarget, opts: { provider: k8s.Provider }): MigrationOutputs {
    const plan = migrationPlan(cfg);
    const old = cfg.oldSystem;

    const dataCopy = cfg.copy
        ? new DataCopyJob(
              "itops-migration-copy",
              {
                  namespace: target.namespace,
                  runId: cfg.copy.runId,
                  sourceUri: cfg.copy.sourceUri,
                  targetUri: copyTargetUri(cfg.copy.targetUri, target.database),
                  image: cfg.copy.image,
                  timeoutMinutes: cfg.copy.timeoutMinutes,
                  databasePorts: target.database ? [...new Set([...cfg.copy.databasePorts, target.database.port])] : cfg.copy.databasePorts,
              },
              { provider: opts.provider },
          )
        : undefined;

    const oldReplicasArgs = { namespace: old.namespace, deploymentName: old.deployment, replicas: plan.oldReplicas };
    // Scaling the old system up happens before traffic returns to it; retiring it, after traffic left.
    const oldReplicasFirst = cfg.retireOld ? undefined : new DeploymentReplicas("itops-migration-old-replicas", oldReplicasArgs, { provider: opts.provider });

    const routeDeps: pulumi.Resource[] = [target.deployment];
    if (dataCopy) routeDeps.push(dataCopy.job); // a failed copy stops `pulumi up` before any traffic moves
    if (oldReplicasFirst) routeDeps.push(oldReplicasFirst);
    const route = new WeightedRoute(
        "itops-migration-route",
        {
            mode: cfg.routing,
            hosts: cfg.hosts,
            newWeight: plan.weights.new,
            oldNamespace: old.namespace,
            oldServiceName: old.service,
            oldServicePort: old.port,
            newService: target.service,
            newServicePort: target.httpPort,
            testerHeaderName: cfg.testerHeader.name,
            testerHeaderValue: cfg.testerHeader.value,
            tlsSecretName: cfg.tlsSecretName,
            gatewayName: cfg.gateway.name,
            gatewayNamespace: cfg.gateway.namespace,
            gatewayClassName: cfg.gateway.className,
            ingressClassName: cfg.ingressClassName,
        },
        { provider: opts.provider, dependsOn: routeDeps },
    );
    const oldReplicas = oldReplicasFirst ?? new DeploymentReplicas("itops-migration-old-replicas", oldReplicasArgs, { provider: opts.provider, dependsOn: [route] });

    const alertGroup = migrationAlertGroup({ selector: cfg.gate.selector, maxErrorRatio: cfg.gate.maxErrorRatio, window: cfg.gate.window });
    return {
        plan,
        route,
        oldReplicas,
        dataCopy,
        alertGroup,
        outputs: {
            stage: plan.stage,
            routing: cfg.routing,
            dataStrategy: cfg.dataStrategy,
            newWeight: plan.weights.new,
            oldWeight: plan.weights.old,
            oldReplicas: plan.oldReplicas,
            newReplicas: plan.newReplicas,
            dataCopyJob: dataCopy ? pulumi.interpolate`${target.namespace}/${dataCopy.jobName}` : undefined,
        },
    };
}
