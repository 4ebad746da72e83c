/**
 * The Migration component (`itops:migration:Migration`) and its children, rendered under the mocks
 * with fixture objects for the new system: weights, both routing modes as exact objects, the old
 * system's replica patch, the data copy Job, the alert group, ordering, the children's aliases,
 * component argument validation.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DataCopyJob, DeploymentReplicas, INGRESS_ADDRESS_TIMEOUT, Migration, MigrationArgs, migrationPlan, migrationSpecProblem, newSystemReplicas, routeWeights, WeightedRoute, WeightedRouteArgs } from "../components/migration";
import { parseStackConfig } from "../infra/config";
import { EnabledMigrationConfig } from "../infra/config/migration";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { all, manifests, one, PROJECT_DIR, record } from "./helpers";

function migrationConfig(sets: string[]): EnabledMigrationConfig {
    let raw = readStackFile(path.join(PROJECT_DIR, "Pulumi.production.yaml"));
    for (const s of ["migration.enabled=true", ...sets]) raw = applySet(raw, s);
    const m = parseStackConfig("production", toRuntimeConfig(raw), new Set(["it-ops-infra:migration"]), { secretPlaceholders: true }).config.migration;
    assert.ok(m.enabled);
    return m;
}

/** The new system as the workload component would pass it. */
function fixtureTarget(provider: k8s.Provider) {
    const labels = { app: "it-ops-system" };
    const service = new k8s.core.v1.Service(
        "fixture-svc",
        {
            metadata: { name: "it-ops-system", namespace: "production", labels },
            spec: { selector: labels, ports: [{ name: "http", port: 8080, targetPort: "http" }, { name: "metrics", port: 9090, targetPort: "metrics" }] },
        },
        { provider },
    );
    const deployment = new k8s.apps.v1.Deployment(
        "fixture-deploy",
        {
            metadata: { name: "it-ops-system", namespace: "production", labels },
            spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: "itopsproductionacr.azurecr.io/it-ops:1.0.0" }] } } },
        },
        { provider },
    );
    return { namespace: pulumi.output("production"), service, deployment, httpPort: 8080, name: "it-ops-system" };
}

const ALERTS = { namespace: "monitoring", runbookBaseUrl: "https://example.com/runbooks/" };

function run(sets: string[]) {
    const cfg = migrationConfig(sets);
    return record(() => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "fixture" });
        const m = new Migration("itops-migration", { migration: cfg, target: fixtureTarget(provider), alerts: ALERTS }, { provider });
        return m.stackOutput;
    });
}

const urnOf = (r: Awaited<ReturnType<typeof run>>, type: string, name: string) => one(r, type, name).urn;

describe("routeWeights", () => {
    const table: [number[], number, { old: number; new: number }][] = [
        [[0, 10, 25, 50, 100], 0, { old: 100, new: 0 }],
        [[0, 10, 25, 50, 100], 1, { old: 90, new: 10 }],
        [[0, 10, 25, 50, 100], 2, { old: 75, new: 25 }],
        [[0, 10, 25, 50, 100], 3, { old: 50, new: 50 }],
        [[0, 10, 25, 50, 100], 4, { old: 0, new: 100 }],
        [[0, 100], 1, { old: 0, new: 100 }],
        [[0, 1, 99, 100], 2, { old: 1, new: 99 }],
    ];
    for (const [steps, stage, expected] of table) {
        it(`steps ${JSON.stringify(steps)} stage ${stage} → old ${expected.old} / new ${expected.new}`, () => assert.deepEqual(routeWeights(steps, stage), expected));
    }
    it("rejects a stage outside the steps and a non-percentage step", () => {
        assert.throws(() => routeWeights([0, 100], 2), /stage must be an integer from 0 to 1, got 2/);
        assert.throws(() => routeWeights([0, 100], -1), /got -1/);
        assert.throws(() => routeWeights([0, 100], 0.5), /got 0.5/);
        assert.throws(() => routeWeights([0, 120], 1), /steps\[1\] must be an integer percentage/);
    });
});

describe("migrationPlan", () => {
    it("keeps both systems at their parallel-run replica counts and retires the old one only when asked", () => {
        assert.deepEqual(migrationPlan(migrationConfig(["migration.dataStrategy=shared", "migration.stage=2"])), { stage: 2, weights: { old: 75, new: 25 }, oldReplicas: 2, newReplicas: 3 });
        assert.deepEqual(migrationPlan(migrationConfig(["migration.dataStrategy=shared", "migration.stage=4", "migration.retireOld=true"])), { stage: 4, weights: { old: 0, new: 100 }, oldReplicas: 0, newReplicas: 3 });
        assert.deepEqual(migrationPlan(migrationConfig(["migration.dataStrategy=shared", "migration.replicas.old=4", "migration.replicas.new=6"])).newReplicas, 6);
    });
    it("gives the workload the migration's new-system replica count only while enabled", () => {
        assert.equal(newSystemReplicas(migrationConfig(["migration.replicas.new=5"]), 3), 5);
        assert.equal(newSystemReplicas({ enabled: false }, 3), 3);
    });
});

describe("Migration, gateway routing", () => {
    it("renders exactly one HTTPRoute with the stage's weights and the tester header rule", async () => {
        const r = await run(["migration.dataStrategy=shared", "migration.stage=2"]);
        const routes = manifests(r, "HTTPRoute");
        assert.equal(routes.length, 1);
        assert.deepEqual(routes[0], {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: {
                name: "itops-migration",
                namespace: "production",
                labels: { "app.kubernetes.io/name": "itops-migration", "app.kubernetes.io/component": "migration-route", "app.kubernetes.io/managed-by": "pulumi" },
            },
            spec: {
                parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "itops-migration", namespace: "production" }],
                hostnames: ["it-ops.example.co.jp"],
                rules: [
                    {
                        matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "X-Canary", value: "always" }] }],
                        backendRefs: [{ group: "", kind: "Service", name: "it-ops-system", namespace: "production", port: 8080 }],
                    },
                    {
                        matches: [{ path: { type: "PathPrefix", value: "/" } }],
                        backendRefs: [
                            { group: "", kind: "Service", name: "old-system", namespace: "legacy", port: 80, weight: 75 },
                            { group: "", kind: "Service", name: "it-ops-system", namespace: "production", port: 8080, weight: 25 },
                        ],
                    },
                ],
            },
        });
        assert.deepEqual(r.outputs, { stage: 2, routing: "gateway", dataStrategy: "shared", newWeight: 25, oldWeight: 75, oldReplicas: 2, newReplicas: 3 });
    });

    it("creates the Gateway for the configured GatewayClass with a TLS listener per host, and a ReferenceGrant for the old Service", async () => {
        const r = await run(["migration.dataStrategy=shared", 'migration.hosts=["a.example.com","b.example.com"]']);
        assert.deepEqual(manifests(r, "Gateway"), [
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "Gateway",
                metadata: { name: "itops-migration", namespace: "production", labels: { "app.kubernetes.io/name": "itops-migration", "app.kubernetes.io/component": "migration-route", "app.kubernetes.io/managed-by": "pulumi" } },
                spec: {
                    gatewayClassName: "approuting-istio",
                    listeners: ["a.example.com", "b.example.com"].map((h, i) => ({
                        name: `https-${i}`,
                        hostname: h,
                        port: 443,
                        protocol: "HTTPS",
                        tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "it-ops-tls" }] },
                        allowedRoutes: { namespaces: { from: "Same" } },
                    })),
                },
            },
        ]);
        const grant = manifests(r, "ReferenceGrant");
        assert.equal(grant.length, 1);
        assert.deepEqual(grant[0].metadata.namespace, "legacy");
        assert.deepEqual(grant[0].spec, {
            from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "production" }],
            to: [{ group: "", kind: "Service", name: "old-system" }],
        });
        assert.deepEqual(manifests(r, "HTTPRoute")[0].spec.hostnames, ["a.example.com", "b.example.com"]);
        assert.equal(manifests(r, "Ingress").length, 0);
    });

    it("attaches to an existing Gateway without creating one", async () => {
        const r = await run(["migration.dataStrategy=shared", "migration.gateway={}", "migration.gateway.name=shared-gw", "migration.gateway.namespace=gateways", "migration.tlsSecretName=null"]);
        assert.equal(manifests(r, "Gateway").length, 0);
        assert.deepEqual(manifests(r, "HTTPRoute")[0].spec.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "shared-gw", namespace: "gateways" }]);
    });
});

describe("Migration, nginx routing", () => {
    it("renders the canary pair: main Ingress to the old system, canary Ingress to the new one", async () => {
        const r = await run(["migration.dataStrategy=shared", "migration.routing=nginx", "migration.stage=1", "migration.ingressClassName=webapprouting.kubernetes.azure.com"]);
        const labels = { "app.kubernetes.io/name": "itops-migration", "app.kubernetes.io/component": "migration-route", "app.kubernetes.io/managed-by": "pulumi" };
        const rule = (name: string, port: number) => [{ host: "it-ops.example.co.jp", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: port } } } }] } }];
        assert.deepEqual(manifests(r, "Ingress", "itops-migration"), [
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: { name: "itops-migration", namespace: "legacy", labels },
                spec: { ingressClassName: "webapprouting.kubernetes.azure.com", tls: [{ hosts: ["it-ops.example.co.jp"], secretName: "it-ops-tls" }], rules: rule("old-system", 80) },
            },
        ]);
        assert.deepEqual(manifests(r, "Ingress", "itops-migration-canary"), [
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: {
                    name: "itops-migration-canary",
                    namespace: "production",
                    labels,
                    annotations: {
                        "nginx.ingress.kubernetes.io/canary": "true",
                        "nginx.ingress.kubernetes.io/canary-weight": "10",
                        "nginx.ingress.kubernetes.io/canary-weight-total": "100",
                        "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
                        "nginx.ingress.kubernetes.io/canary-by-header-value": "always",
                    },
                },
                spec: { ingressClassName: "webapprouting.kubernetes.azure.com", rules: rule("it-ops-system", 8080) },
            },
        ]);
        for (const kind of ["HTTPRoute", "Gateway", "ReferenceGrant"]) assert.equal(manifests(r, kind).length, 0, kind);
    });

    it("keeps the canary Ingress at weight 0 and 100", async () => {
        for (const [stage, weight] of [[0, "0"], [4, "100"]] as const) {
            const r = await run(["migration.dataStrategy=shared", "migration.routing=nginx", `migration.stage=${stage}`]);
            assert.equal(manifests(r, "Ingress", "itops-migration-canary")[0].metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"], weight);
        }
    });
});

describe("nginx routing: the wait for an ingress controller's address is bounded", () => {
    it("both Ingresses wait at most INGRESS_ADDRESS_TIMEOUT (not the provider's 10 minutes) on create and update", async () => {
        const r = await run(["migration.dataStrategy=shared", "migration.routing=nginx", "migration.stage=1"]);
        const ingresses = all(r, "kubernetes:networking.k8s.io/v1:Ingress");
        assert.equal(ingresses.length, 2);
        assert.equal(INGRESS_ADDRESS_TIMEOUT, "3m");
        for (const i of ingresses) assert.deepEqual(i.options.customTimeouts, { create: "3m", update: "3m" }, i.name);
        const gateway = await run(["migration.dataStrategy=shared", "migration.stage=1"]);
        assert.equal(one(gateway, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").options.customTimeouts, undefined);
    });
});

describe("Migration, old system replicas and ordering", () => {
    it("patches only spec.replicas of the old Deployment with server-side apply under its own field manager", async () => {
        const r = await run(["migration.dataStrategy=shared", "migration.stage=3"]);
        const patch = one(r, "kubernetes:apps/v1:DeploymentPatch");
        assert.deepEqual(patch.inputs, {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "old-system", namespace: "legacy", annotations: { "pulumi.com/patchForce": "true", "pulumi.com/patchFieldManager": "itops-migration" } },
            spec: { replicas: 2 },
        });
        // Retained on delete: destroy / migration off leave the old system at the count the migration set (docs/migration.md).
        assert.equal(patch.options.retainOnDelete, true);
        // Nothing takes over the old Deployment itself.
        assert.equal(all(r, "kubernetes:apps/v1:Deployment").length, 1);
        // The old system is scaled (up) before the route sends traffic to it; the route waits for the new Deployment.
        const route = one(r, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
        assert.deepEqual(route.options.dependsOn?.sort(), [urnOf(r, "kubernetes:apps/v1:Deployment", "fixture-deploy"), urnOf(r, "itops:migration:DeploymentReplicas", "itops-migration-old-replicas")].sort());
        // The Kubernetes provider flows to the Migration through options; its children inherit it.
        const migration = one(r, "itops:migration:Migration", "itops-migration");
        assert.ok(migration.options.provider?.endsWith("pulumi:providers:kubernetes::k8s"));
        for (const c of ["itops:migration:WeightedRoute", "itops:migration:DeploymentReplicas", "itops:monitoring:AlertRules"]) {
            assert.equal(one(r, c).parent, migration.urn, c);
        }
    });

    it("retires the old system (0 replicas) only after the route has moved all traffic away", async () => {
        const r = await run(["migration.dataStrategy=shared", "migration.stage=4", "migration.retireOld=true"]);
        const patch = one(r, "kubernetes:apps/v1:DeploymentPatch");
        assert.equal((patch.inputs.spec as any).replicas, 0);
        const component = one(r, "itops:migration:DeploymentReplicas");
        assert.deepEqual(component.options.dependsOn, [urnOf(r, "itops:migration:WeightedRoute", "itops-migration-route")]);
        assert.deepEqual(one(r, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").options.dependsOn, [urnOf(r, "kubernetes:apps/v1:Deployment", "fixture-deploy")]);
    });
});

describe("Migration, data copy", () => {
    it("creates no Job unless a copy run is configured", async () => {
        const r = await run(["migration.dataStrategy=shared"]);
        assert.equal(manifests(r, "Job").length, 0);
        assert.equal(r.outputs.dataCopyJob, undefined);
    });

    it("creates the run's Job, Secret, script ConfigMap and NetworkPolicy; the route waits for the verified copy", async () => {
        const r = await run(["migration.stage=4", "migration.copy.runId=20260301-1", "migration.copy.databasePorts=[27017,10255]", "migration.copy.timeoutMinutes=360"]);
        const secret = manifests(r, "Secret", "itops-data-copy-20260301-1");
        assert.equal(secret.length, 1);
        assert.deepEqual(secret[0].stringData, { SOURCE_URI: "[secret]", TARGET_URI: "[secret]" });
        const cm = manifests(r, "ConfigMap", "itops-data-copy-20260301-1-script")[0];
        assert.deepEqual(Object.keys(cm.data).sort(), ["inventory.js", "migrate-data.sh"]);
        assert.match(cm.data["migrate-data.sh"], /mongodump --uri="\$SOURCE_URI" --archive --gzip --oplog \\\n\s+\| mongorestore --uri="\$TARGET_URI" --archive --gzip --oplogReplay --drop/);
        const np = manifests(r, "NetworkPolicy", "itops-data-copy-20260301-1-egress")[0];
        assert.deepEqual(np.spec.egress[1], { ports: [{ protocol: "TCP", port: 27017 }, { protocol: "TCP", port: 10255 }] });
        assert.deepEqual(np.spec.podSelector, { matchLabels: { "itops.io/data-copy-run": "20260301-1" } });

        const jobRes = one(r, "kubernetes:batch/v1:Job");
        const job = jobRes.inputs as any;
        assert.equal(job.metadata.name, "itops-data-copy-20260301-1");
        assert.equal(job.metadata.namespace, "production");
        assert.equal(job.spec.backoffLimit, 0);
        assert.equal(job.spec.activeDeadlineSeconds, 360 * 60);
        assert.deepEqual(jobRes.options.customTimeouts, { create: "360m", update: "360m" });
        const pod = job.spec.template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
        const c = pod.containers[0];
        assert.equal(c.image, "mongo:7.0.14");
        assert.deepEqual(c.command, ["bash", "/scripts/migrate-data.sh"]);
        assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        // The URIs reach the pod only through secretKeyRef.
        assert.deepEqual(c.env.filter((e: any) => e.name.endsWith("_URI")), [
            { name: "SOURCE_URI", valueFrom: { secretKeyRef: { name: "itops-data-copy-20260301-1", key: "SOURCE_URI" } } },
            { name: "TARGET_URI", valueFrom: { secretKeyRef: { name: "itops-data-copy-20260301-1", key: "TARGET_URI" } } },
        ]);
        assert.ok(!JSON.stringify(r.resources).includes("mongodb://"), "no connection string in any rendered input");

        const route = one(r, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
        assert.ok(route.options.dependsOn?.includes(jobRes.urn), "the route dependsOn the Job");
        assert.equal(r.outputs.dataCopyJob, "production/itops-data-copy-20260301-1");
    });
});

/** Runs `make` under the mocks and asserts that it throws `message` (before creating any child). */
async function rejectsIn(make: () => unknown, message: RegExp): Promise<void> {
    let error: unknown;
    const r = await record(() => {
        try {
            make();
        } catch (e) {
            error = e;
        }
    });
    assert.ok(error instanceof Error, "expected an error");
    assert.match(error.message, message);
    assert.equal(r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:") && !x.name.startsWith("svc")).length, 0, "no child created");
}

describe("migration component argument validation", () => {
    const base = (svc: k8s.core.v1.Service): WeightedRouteArgs => ({
        mode: "gateway",
        hosts: ["a.example.com"],
        newWeight: 10,
        oldNamespace: "legacy",
        oldServiceName: "old-system",
        oldServicePort: 80,
        newService: svc,
        newServicePort: 8080,
        testerHeaderName: "X-Canary",
        testerHeaderValue: "always",
        gatewayClassName: "approuting-istio",
        tlsSecretName: "tls",
    });
    const cases: [string, Partial<WeightedRouteArgs>, RegExp][] = [
        ["mode", { mode: "haproxy" as never }, /WeightedRoute: args\.mode must be one of gateway, nginx, got "haproxy"/],
        ["hosts", { hosts: [] }, /args\.hosts must be a non-empty list/],
        ["host", { hosts: ["bad host"] }, /args\.hosts\[0\] must be a fully qualified host name/],
        ["newWeight", { newWeight: 101 }, /args\.newWeight must be an integer from 0 to 100, got 101/],
        ["oldNamespace", { oldNamespace: "Legacy" }, /args\.oldNamespace must be a DNS-1123 label/],
        ["oldServiceName", { oldServiceName: "a_b" }, /args\.oldServiceName must be a DNS-1123 label/],
        ["oldServicePort", { oldServicePort: 0 }, /args\.oldServicePort must be an integer from 1 to 65535/],
        ["newServicePort", { newServicePort: 70000 }, /args\.newServicePort must be an integer from 1 to 65535/],
        ["testerHeaderName", { testerHeaderName: "X Canary" }, /args\.testerHeaderName must be an HTTP header name/],
        ["testerHeaderValue", { testerHeaderValue: "" }, /args\.testerHeaderValue must be a non-empty header value/],
        ["routeName", { routeName: "Route" }, /args\.routeName must be a DNS-1123 label/],
        ["gateway both", { gatewayName: "gw", gatewayNamespace: "gw" }, /args\.gatewayClassName must be absent when gatewayName is given/],
        ["gateway none", { gatewayClassName: undefined }, /args\.gatewayName must be set \(or gatewayClassName/],
        ["gateway namespace", { gatewayClassName: undefined, gatewayName: "gw" }, /args\.gatewayNamespace must be the namespace of gatewayName/],
        ["tls for nginx", { mode: "nginx", tlsSecretName: undefined }, /args\.tlsSecretName must be a Secret name \(required for the nginx Ingress\)/],
    ];
    for (const [what, patch, message] of cases) {
        it(`WeightedRoute rejects a bad ${what}`, async () => {
            await rejectsIn(() => {
                const svc = new k8s.core.v1.Service("svc", { metadata: { name: "s", namespace: "n" } });
                return new WeightedRoute("route", { ...base(svc), ...patch });
            }, message);
        });
    }
    const other: [string, () => void, RegExp][] = [
        ["DeploymentReplicas replicas", () => new DeploymentReplicas("r", { namespace: "legacy", deploymentName: "old", replicas: -1 }), /DeploymentReplicas: args\.replicas must be an integer from 0 to 1000, got -1/],
        ["DeploymentReplicas namespace", () => new DeploymentReplicas("r", { namespace: "Legacy", deploymentName: "old", replicas: 1 }), /args\.namespace must be a DNS-1123 label/],
        ["DeploymentReplicas deploymentName", () => new DeploymentReplicas("r", { namespace: "legacy", deploymentName: "Old", replicas: 1 }), /args\.deploymentName must be a DNS-1123 subdomain/],
        ["DeploymentReplicas fieldManager", () => new DeploymentReplicas("r", { namespace: "legacy", deploymentName: "old", replicas: 1, fieldManager: "A" }), /args\.fieldManager must be a DNS-1123 label/],
        ["DataCopyJob runId", () => new DataCopyJob("c", { namespace: "p", runId: "Run", sourceUri: "s", targetUri: "t", image: "mongo:7.0.14", timeoutMinutes: 240, databasePorts: [27017] }), /DataCopyJob: args\.runId must be 1-20 lower-case letters/],
        ["DataCopyJob unpinned image", () => new DataCopyJob("c", { namespace: "p", runId: "r1", sourceUri: "s", targetUri: "t", image: "mongo", timeoutMinutes: 240, databasePorts: [27017] }), /args\.image must be a pinned image reference .*: no tag: untagged images float like latest.*, got "mongo"/],
        ["DataCopyJob latest image", () => new DataCopyJob("c", { namespace: "p", runId: "r1", sourceUri: "s", targetUri: "t", image: "mongo:latest", timeoutMinutes: 240, databasePorts: [27017] }), /args\.image must be a pinned image reference .*: the tag latest floats/],
        ["DataCopyJob timeout", () => new DataCopyJob("c", { namespace: "p", runId: "r1", sourceUri: "s", targetUri: "t", image: "mongo:7.0.14", timeoutMinutes: 0, databasePorts: [27017] }), /args\.timeoutMinutes must be an integer >= 1, got 0/],
        ["DataCopyJob ports", () => new DataCopyJob("c", { namespace: "p", runId: "r1", sourceUri: "s", targetUri: "t", image: "mongo:7.0.14", timeoutMinutes: 240, databasePorts: [] }), /args\.databasePorts must be a non-empty list/],
        ["DataCopyJob port", () => new DataCopyJob("c", { namespace: "p", runId: "r1", sourceUri: "s", targetUri: "t", image: "mongo:7.0.14", timeoutMinutes: 240, databasePorts: [0] }), /args\.databasePorts\[0\] must be an integer from 1 to 65535/],
    ];
    for (const [what, make, message] of other) {
        it(`rejects a bad ${what}`, async () => {
            await rejectsIn(make, message);
        });
    }
});

describe("Migration argument validation", () => {
    const spec = { steps: [0, 10, 100], stage: 1, retireOld: false, replicas: { old: 2, new: 3 } };
    const table: [string, Partial<typeof spec>, ReturnType<typeof migrationSpecProblem>][] = [
        ["a valid spec", {}, undefined],
        ["one step", { steps: [100], stage: 0 }, { field: "migration.steps", allowed: "a list of at least two percentages", value: [100] }],
        ["a step above 100", { steps: [0, 120] }, { field: "migration.steps[1]", allowed: "an integer percentage from 0 to 100", value: 120 }],
        ["steps not increasing", { steps: [0, 50, 50] }, { field: "migration.steps[2]", allowed: "above the previous step (50)", value: 50 }],
        ["a stage outside the steps", { stage: 3 }, { field: "migration.stage", allowed: "an integer from 0 to 2 (an index into steps)", value: 3 }],
        ["no new replicas", { replicas: { old: 2, new: 0 } }, { field: "migration.replicas.new", allowed: "an integer from 1 to 1000", value: 0 }],
        ["fractional old replicas", { replicas: { old: 1.5, new: 3 } }, { field: "migration.replicas.old", allowed: "an integer from 0 to 1000", value: 1.5 }],
        ["retiring the old system while it takes traffic", { retireOld: true }, { field: "migration.retireOld", allowed: "false unless the stage sends 100 % to the new system (stage 1 sends 10 %)", value: true }],
        ["retiring at the final stage", { retireOld: true, stage: 2 }, undefined],
    ];
    for (const [what, patch, want] of table) it(`migrationSpecProblem: ${what}`, () => assert.deepEqual(migrationSpecProblem({ ...spec, ...patch }), want));

    const bad: [string, (m: EnabledMigrationConfig) => Partial<MigrationArgs>, RegExp][] = [
        ["stage", (m) => ({ migration: { ...m, stage: 9 } }), /Migration itops-migration: args\.migration\.stage must be an integer from 0 to 4 \(an index into steps\), got 9/],
        ["retireOld", (m) => ({ migration: { ...m, retireOld: true } }), /args\.migration\.retireOld must be false unless the stage sends 100 %/],
        ["gate", (m) => ({ migration: { ...m, gate: { ...m.gate, maxErrorRatio: 2 } } }), /maxErrorRatio must be from 0 to 1, got 2/],
        ["runbook URL", () => ({ alerts: { namespace: "monitoring", runbookBaseUrl: "docs/runbooks" } }), /args\.alerts\.runbookBaseUrl must be an http\(s\) URL, got "docs\/runbooks"/],
        ["http port", () => ({}), /args\.target\.httpPort must be an integer from 1 to 65535, got 0/],
    ];
    for (const [what, patch, message] of bad) {
        it(`Migration rejects a bad ${what} before creating any child`, async () => {
            const cfg = migrationConfig(["migration.dataStrategy=shared", "migration.stage=1"]);
            let error: unknown;
            const r = await record(() => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "fixture" });
                const target = fixtureTarget(provider);
                try {
                    const p = patch(cfg);
                    new Migration("itops-migration", { migration: cfg, target: what === "http port" ? { ...target, httpPort: 0 } : target, alerts: ALERTS, ...p }, { provider });
                } catch (e) {
                    error = e;
                }
            });
            assert.match(String(error), message);
            assert.deepEqual(r.resources.filter((x) => x.type.startsWith("itops:migration:") || x.type.startsWith("itops:monitoring:")).map((x) => x.type), ["itops:migration:Migration"], "only the Migration itself");
        });
    }

    it("the children carry an alias from the stack root (deployMigration created them there), their children inherit it", async () => {
        const r = await run(["migration.stage=4", "migration.copy.runId=20260301-1"]);
        const root = (type: string, name: string) => `urn:pulumi:test::it-ops-infra::${type}::${name}`;
        for (const [type, name] of [
            ["itops:migration:WeightedRoute", "itops-migration-route"],
            ["itops:migration:DeploymentReplicas", "itops-migration-old-replicas"],
            ["itops:migration:DataCopyJob", "itops-migration-copy"],
        ]) {
            const x = one(r, type, name);
            assert.equal(x.engineUrn, `urn:pulumi:test::it-ops-infra::itops:migration:Migration$${type}::${name}`);
            assert.deepEqual(x.aliases, [root(type, name)]);
        }
        const route = one(r, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
        assert.deepEqual(route.aliases, ["urn:pulumi:test::it-ops-infra::itops:migration:WeightedRoute$kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::itops-migration-route"]);
        assert.equal(one(r, "itops:migration:Migration").aliases, undefined, "the Migration node is new");
        assert.equal(one(r, "itops:monitoring:AlertRules").aliases, undefined, "the alert group's PrometheusRule is new");
    });
});
