export * from "./aks-cluster";
export * from "./alert-rule";
export * from "./container-registry";
export * from "./defender-plan";
export * from "./kubeconfig";
export * from "./load-test";
export * from "./report-dashboard";
export * from "./validation";
