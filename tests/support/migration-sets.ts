/**
 * `--set` overrides that turn each stack's migration on (no stack file enables it today): gateway
 * routing with a data copy run (staging, production), nginx routing (local, as
 * tests/local-stack.test.ts renders it, so the run renders it once).
 */
const OLD_SYSTEM = ["migration.oldSystem.namespace=legacy", "migration.oldSystem.service=old-system", "migration.oldSystem.port=80", "migration.oldSystem.deployment=old-system"];

export const MIGRATION_SETS: Readonly<Record<"staging" | "production" | "local", readonly string[]>> = {
    staging: [
        "migration.enabled=true",
        "migration.dataStrategy=shared",
        "migration.stage=1",
        'migration.hosts=["itops.staging.example.com"]',
        "migration.tlsSecretName=it-ops-tls",
        "migration.gateway.className=approuting-istio",
        ...OLD_SYSTEM,
        'migration.gate.selector=namespace="staging",service="it-ops-system"',
        "migration.copy.runId=rehearsal-1",
    ],
    production: ["migration.enabled=true", "migration.stage=4", "migration.copy.runId=20260301-1"],
    local: [
        "migration.enabled=true",
        "migration.dataStrategy=shared",
        "migration.routing=nginx",
        "migration.stage=1",
        'migration.hosts=["it-ops.localtest.me"]',
        "migration.tlsSecretName=it-ops-tls",
        ...OLD_SYSTEM,
        "migration.replicas.new=1",
        "migration.replicas.old=1",
        'migration.gate.selector=namespace="local",service="it-ops-system"',
    ],
};
