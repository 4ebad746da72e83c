/** The data domain's public API: the stack's own MongoDB. */
export { ADMIN_PASSWORD, HEALTH_STATUS_LEVELS, MONGO_CLUSTER_RESOURCE_TYPE, MongoDatabase, connectionUri } from "./mongo-database";
export { BURSTABLE_MAX_STORAGE_GB, BURSTABLE_TIERS, COMPUTE_TIERS, MONGO_CLUSTER_PORT, SERVER_VERSIONS, STORAGE_SIZES_GB } from "./service";
export type { ComputeTier, ServerVersion } from "./service";
export type { AzureAlertReceiver, MongoDatabaseAlerts, MongoDatabaseArgs } from "./mongo-database";
export { AZURE_NATIVE_KINDS, AZURE_SEVERITY, DATABASE_ALERT_LEVELS, databaseAlertRoles, needsIntegrationUrl, rolesForLevel } from "./alert-routing";
export type { DatabaseAlertLevel } from "./alert-routing";
