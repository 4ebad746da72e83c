export * from "./aks-cluster";
export * from "./container-registry";
export * from "./kubeconfig";
export * from "./validation";
