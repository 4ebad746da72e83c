/**
 * What Azure DocumentDB for MongoDB (vCore) offers (Azure's compute/storage, burstable-tier and
 * connection documentation): plain data, shared by the component and the config parser.
 */

/** MongoDB wire-protocol versions the service offers (`properties.serverVersion`). */
export const SERVER_VERSIONS = ["5.0", "6.0", "7.0", "8.0"] as const;
export type ServerVersion = (typeof SERVER_VERSIONS)[number];

/** Compute tiers (`properties.compute.tier`); the free tier is left out (no HA, no replicas, no SLA). */
export const COMPUTE_TIERS = ["M10", "M20", "M25", "M30", "M40", "M50", "M60", "M80", "M200"] as const;
export type ComputeTier = (typeof COMPUTE_TIERS)[number];
/** Burstable tiers: no high availability, no geo replica, storage up to {@link BURSTABLE_MAX_STORAGE_GB}. */
export const BURSTABLE_TIERS: readonly ComputeTier[] = ["M10", "M20", "M25"];
export const BURSTABLE_MAX_STORAGE_GB = 128;

/** Disk sizes per shard (`properties.storage.sizeGb`). */
export const STORAGE_SIZES_GB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768] as const;

/** The port the service answers on (MongoDB vCore: 10260, not 27017). */
export const MONGO_CLUSTER_PORT = 10260;

/** A cluster name (a global DNS name): 3-40 lower-case letters and digits in groups separated by single '-'. */
export const CLUSTER_NAME = /^(?=.{3,40}$)[a-z0-9]+(-[a-z0-9]+)*$/;
export const CLUSTER_NAME_TEXT = "3-40 lower-case letters and digits in groups separated by single '-' (a global DNS name)";
