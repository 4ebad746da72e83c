/** The migration domain's public API. */
export { DataCopyJob, dataCopyScripts } from "./data-copy-job";
export type { DataCopyJobArgs } from "./data-copy-job";
export { DeploymentReplicas } from "./deployment-replicas";
export type { DeploymentReplicasArgs } from "./deployment-replicas";
export { MIGRATION_ERROR_ALERT, MIGRATION_ERROR_RUNBOOK, errorRatioExpr, migrationAlertGroup } from "./migration-alerts";
export type { MigrationAlertOptions } from "./migration-alerts";
export { DATA_STRATEGIES, INGRESS_ADDRESS_TIMEOUT, ROUTING_MODES, WeightedRoute, routeWeights } from "./weighted-route";
export type { DataStrategy, RouteWeights, RoutingMode, WeightedRouteArgs } from "./weighted-route";
export { MAX_MIGRATION_REPLICAS, Migration, copyTargetUri, migrationPlan, migrationSpecProblem, newSystemReplicas } from "./migration";
export type { MigrationAlertPlacement, MigrationArgs, MigrationPlan, MigrationSpec, MigrationStackOutput, MigrationTarget } from "./migration";
