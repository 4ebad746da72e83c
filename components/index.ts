export * from "./aks-cluster";
export * from "./alert-rule";
export * from "./app-namespace";
export * from "./app-spec";
export * from "./container-registry";
export * from "./it-ops-app";
export * from "./kubeconfig";
export * from "./validation";
