export * from "./aks-cluster";
export * from "./alert-rule";
export * from "./container-registry";
export * from "./kubeconfig";
export * from "./validation";
