/**
 * Pure kubeconfig logic: turns the exec-format user kubeconfig that AKS returns (kubelogin with
 * `--login devicecode`) into one that logs in non-interactively, as `kubelogin convert-kubeconfig`
 * would.
 */
import * as YAML from "yaml";

export const KUBELOGIN_LOGIN_MODES = ["azurecli", "workloadidentity"] as const;
export type KubeloginLoginMode = (typeof KUBELOGIN_LOGIN_MODES)[number];

interface ExecConfig {
    command?: string;
    args?: string[] | null;
    [k: string]: unknown;
}

/** Flags of `kubelogin get-token` that the given login mode keeps (with their values). */
const KEPT_FLAGS: Record<KubeloginLoginMode, readonly string[]> = {
    // Azure CLI login needs only the AKS server application id.
    azurecli: ["--server-id"],
    // Workload identity reads client id, tenant and token file from AZURE_* env vars in the pod.
    workloadidentity: ["--server-id"],
};

/**
 * Rewrites every kubelogin exec user of `kubeconfig` to log in with `mode`.
 * Throws when the kubeconfig has no kubelogin exec user (it would not work with Entra ID).
 */
export function convertKubeconfig(kubeconfig: string, mode: KubeloginLoginMode): string {
    const doc = YAML.parse(kubeconfig) as { users?: { name: string; user?: { exec?: ExecConfig } }[] };
    let converted = 0;
    for (const u of doc.users ?? []) {
        const exec = u.user?.exec;
        if (!exec || !(exec.command ?? "").endsWith("kubelogin")) continue;
        const args = exec.args ?? [];
        const kept: string[] = [];
        for (let i = 0; i < args.length; i++) {
            if (KEPT_FLAGS[mode].includes(args[i]) && i + 1 < args.length) {
                kept.push(args[i], args[i + 1]);
                i++;
            }
        }
        if (!kept.includes("--server-id")) {
            throw new Error(`kubeconfig user ${u.name} has no --server-id argument for kubelogin`);
        }
        exec.args = ["get-token", "--login", mode, ...kept];
        converted++;
    }
    if (converted === 0) throw new Error("kubeconfig has no kubelogin exec user to convert");
    return YAML.stringify(doc);
}
