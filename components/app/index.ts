/** The app domain's public API. */
export { AppNamespace, DEFAULT_DENY_POLICY, NAMESPACE_NAME_LABEL, POD_SECURITY_LEVEL, POD_SECURITY_LEVELS, POD_SECURITY_MODES, createNetworkPolicies, defaultDenyPolicy, dnsEgressPolicy, fromNamespaces, networkPolicySpecs, podSecurityLabels, validateTraffic } from "./app-namespace";
export type { AppNamespaceArgs, NamedNetworkPolicy, PodSecurityLevel, PodSecurityMode, TrafficRules } from "./app-namespace";
export { ABSOLUTE_PATH, APP_LABEL, CONTAINER_ROLES, PORT_NAMES, CPU_QUANTITY, DIGEST, DIGEST_TEXT, FLOATING_TAGS, HTTP_PATH, MEMORY_QUANTITY, REPOSITORY, REPOSITORY_TEXT, SPREAD_MODES, TAG, TAG_TEXT, USER_POOL_SELECTOR, appContainer, cpuMillis, hpaSpec, imageRefProblems, imageReference, memoryBytes, pdbSpec, probes, resourceProblems, restrictedContainerSecurityContext, restrictedPodSecurityContext, rollingUpdate, topologySpread, writableVolumeName, writableVolumes } from "./app-spec";
export type { AppContainerSpec, ComputeResources, ContainerPorts, ContainerRole, ImageRef, ProbePaths, ScalingSpec, SpreadMode } from "./app-spec";
export { COMPONENT_LABEL, DATABASE_URI_KEY, ItOpsApp, resolveItOpsAppArgs } from "./it-ops-app";
export type { ItOpsAppArgs, ResolvedItOpsApp } from "./it-ops-app";
