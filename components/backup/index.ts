/** The backup domain's public API. */
export { backupAlertGroup, backupMaxAgeSeconds, cronJobFailedExpr, cronJobTooOldExpr } from "./backup-alerts";
export type { BackupAlertArgs } from "./backup-alerts";
export { ACCOUNT_SUFFIX_LENGTH, BackupStorage, STORAGE_SKUS, immutabilityPolicy, isContainerName, isStorageAccountName, lifecyclePolicy, storageAccountName, storageEncryption, storageNetworkSettings } from "./backup-storage";
export type { BackupStorageArgs, StorageSku } from "./backup-storage";
export { AZCOPY_BINARY, BACKUP_NAMES, BACKUP_SCRIPTS, MONGODB_UID, MongoBackup, SCRIPTS_DIR, backupPodSpec, commonEnv, containerSecurityContext, loadBackupScripts } from "./mongo-backup";
export type { BackupScript, EnvVar, MongoBackupArgs, PodSpecParams } from "./mongo-backup";
