/**
 * The workload as rendered for both stacks (exact security fields, replicas, PDB, HPA,
 * NetworkPolicies, Service, no secret literal), the split mode, and the component's own
 * argument validation.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AppContainerSpec, ItOpsApp, ItOpsAppArgs, resolveItOpsAppArgs } from "../components/app";
import { ArgumentError } from "../components/shared/validation";
import { isManifest } from "../tools/render/write";
import { RenderedResource } from "../tools/render/render";
import { manifests, one, record, render } from "./helpers";

const NS_TYPE = "kubernetes:core/v1:Namespace";

/** Kubernetes objects of a kind that ItOpsApp (and its children) created; other parts' objects are not counted. */
function appManifests(r: { resources: RenderedResource[] }, kind: string, name?: string): Record<string, any>[] {
    const app = r.resources.find((x) => x.type === "itops:app:ItOpsApp");
    assert.ok(app, "the render has an ItOpsApp");
    const byUrn = new Map(r.resources.map((x) => [x.urn, x]));
    const underApp = (x: { parent?: string } | undefined): boolean => !!x?.parent && (x.parent === app.urn || underApp(byUrn.get(x.parent)));
    return r.resources
        .filter((x) => isManifest(x) && !x.type.endsWith("Patch") && underApp(x) && x.inputs.kind === kind)
        .map((x) => x.inputs as Record<string, any>)
        .filter((m) => name === undefined || m.metadata?.name === name);
}


const RESTRICTED_CONTAINER = {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};
const RESTRICTED_POD = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } };

/** The checks of the restricted Pod Security Standard (v1.33) that a pod spec must pass. */
function restrictedProfileViolations(pod: any): string[] {
    const out: string[] = [];
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push("host namespaces");
    for (const v of pod.volumes ?? []) {
        const types = Object.keys(v).filter((k) => k !== "name");
        const allowed = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
        if (!types.every((t) => allowed.includes(t))) out.push(`volume ${v.name} type ${types}`);
    }
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const sc = c.securityContext ?? {};
        const eff = (f: string) => sc[f] ?? pod.securityContext?.[f];
        if (sc.privileged) out.push(`${c.name} privileged`);
        if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name} allowPrivilegeEscalation`);
        if (eff("runAsNonRoot") !== true) out.push(`${c.name} runAsNonRoot`);
        if (eff("runAsUser") === 0) out.push(`${c.name} runAsUser 0`);
        const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        if (!["RuntimeDefault", "Localhost"].includes(seccomp)) out.push(`${c.name} seccomp`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`${c.name} drop ALL`);
        if ((sc.capabilities?.add ?? []).some((x: string) => x !== "NET_BIND_SERVICE")) out.push(`${c.name} add caps`);
        for (const p of c.ports ?? []) if (p.hostPort) out.push(`${c.name} hostPort`);
    }
    return out;
}

for (const [stack, replicas, maxReplicas] of [["production", 3, 12], ["staging", 2, 4]] as const) {
    describe(`app render: ${stack}`, () => {
        it(`one Deployment it-ops-system in ${stack} with ${replicas} replicas, on the user pool, rolling without going below the PDB`, async () => {
            const r = await render(stack);
            const deps = appManifests(r, "Deployment");
            assert.equal(deps.length, 1);
            const d = deps[0];
            assert.equal(d.metadata.name, "it-ops-system");
            assert.equal(d.metadata.namespace, stack);
            assert.equal(d.spec.replicas, replicas);
            assert.deepEqual(d.spec.selector, { matchLabels: { app: "it-ops-system" } });
            assert.equal(d.spec.template.metadata.labels.app, "it-ops-system");
            assert.deepEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
            const pod = d.spec.template.spec;
            assert.deepEqual(pod.nodeSelector, { "kubernetes.azure.com/mode": "user" });
            assert.equal(pod.tolerations, undefined, "no toleration: the CriticalAddonsOnly system pool stays off limits");
            assert.equal(pod.serviceAccountName, "it-ops-system");
            assert.equal(pod.automountServiceAccountToken, false);
            assert.deepEqual(pod.securityContext, RESTRICTED_POD);
            assert.deepEqual(pod.containers.map((c: any) => c.name), ["frontend", "backend"]);
            const opts = one(r, "kubernetes:apps/v1:Deployment").options;
            assert.deepEqual(opts.ignoreChanges, ["spec.replicas"], "the HPA owns the replica count");
        });

        it("every container: restricted security context exactly, pinned image from the stack registry, probes, requests and limits", async () => {
            const r = await render(stack);
            const pod = appManifests(r, "Deployment", "it-ops-system")[0].spec.template.spec;
            assert.deepEqual(restrictedProfileViolations(pod), []);
            const registry = `itops${stack}acr.azurecr.io`;
            for (const c of pod.containers) {
                assert.deepEqual(c.securityContext, RESTRICTED_CONTAINER, c.name);
                assert.equal(c.image, `${registry}/it-ops/${c.name}:1.0.0`);
                for (const p of ["readinessProbe", "livenessProbe", "startupProbe"]) assert.ok(c[p]?.httpGet?.path, `${c.name} ${p}`);
                for (const k of ["requests", "limits"]) for (const q of ["cpu", "memory"]) assert.ok(c.resources[k][q], `${c.name} ${k}.${q}`);
                assert.deepEqual(c.volumeMounts, [{ name: `${c.name}-writable-0`, mountPath: "/tmp" }]);
            }
            assert.deepEqual(pod.volumes, [
                { name: "frontend-writable-0", emptyDir: { sizeLimit: "256Mi" } },
                { name: "backend-writable-0", emptyDir: { sizeLimit: "256Mi" } },
            ]);
            const [fe, be] = pod.containers;
            assert.deepEqual(fe.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
            assert.deepEqual(be.ports, [
                { name: "api", containerPort: 3000, protocol: "TCP" },
                { name: "metrics", containerPort: 9090, protocol: "TCP" },
            ]);
            assert.deepEqual(fe.readinessProbe.httpGet, { path: "/healthz/ready", port: "http" });
            assert.deepEqual(be.livenessProbe.httpGet, { path: "/healthz/live", port: "api" });
        });

        it("topology spread across zones (maxSkew 1) and hosts", async () => {
            const r = await render(stack);
            const spread = appManifests(r, "Deployment", "it-ops-system")[0].spec.template.spec.topologySpreadConstraints;
            const common = { maxSkew: 1, labelSelector: { matchLabels: { app: "it-ops-system" } }, matchLabelKeys: ["pod-template-hash"], nodeTaintsPolicy: "Honor" };
            assert.deepEqual(spread, [
                { ...common, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: stack === "production" ? "DoNotSchedule" : "ScheduleAnyway" },
                { ...common, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
            ]);
        });

        it("the database URI reaches the backend only as a secretKeyRef; the Secret holds it redacted", async () => {
            const r = await render(stack);
            const [fe, be] = appManifests(r, "Deployment", "it-ops-system")[0].spec.template.spec.containers;
            assert.deepEqual(
                be.env.find((e: any) => e.name === "DATABASE_URI"),
                { name: "DATABASE_URI", valueFrom: { secretKeyRef: { name: "it-ops-system-database", key: "database-uri" } } },
            );
            assert.ok(be.env.every((e: any) => e.name !== "DATABASE_URI" || e.value === undefined));
            assert.equal(fe.env.find((e: any) => e.name === "DATABASE_URI"), undefined);
            const s = appManifests(r, "Secret", "it-ops-system-database")[0];
            assert.equal(s.metadata.namespace, stack);
            assert.deepEqual(s.stringData, { "database-uri": "[secret]" });
            const text = JSON.stringify(r.resources.filter(isManifest).map((x) => x.inputs));
            // (The restore drill's throw-away mongod on 127.0.0.1 is the only URI a manifest may hold.)
            assert.doesNotMatch(text, /mongodb(\+srv)?:\/\/(?!127\.0\.0\.1:)/, "no connection string literal in any manifest");
            assert.doesNotMatch(text, /placeholder-for-/, "no placeholder value in any manifest");
        });

        it("Service it-ops-system: label app, named ports http and metrics, ClusterIP", async () => {
            const r = await render(stack);
            const svcs = appManifests(r, "Service");
            assert.equal(svcs.length, 1);
            const s = svcs[0];
            assert.equal(s.metadata.name, "it-ops-system");
            assert.equal(s.metadata.namespace, stack);
            assert.equal(s.metadata.labels.app, "it-ops-system");
            assert.deepEqual(s.spec, {
                type: "ClusterIP",
                selector: { app: "it-ops-system" },
                ports: [
                    { name: "http", port: 8080, targetPort: "http", protocol: "TCP" },
                    { name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP" },
                ],
            });
        });

        it("PDB maxUnavailable 1 with AlwaysAllow; HPA min = replicas, max and CPU target from config, explicit behaviour", async () => {
            const r = await render(stack);
            const pdb = appManifests(r, "PodDisruptionBudget");
            assert.equal(pdb.length, 1);
            assert.deepEqual(pdb[0].metadata.name, "it-ops-system");
            assert.deepEqual(pdb[0].spec, { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: { app: "it-ops-system" } } });
            const hpa = appManifests(r, "HorizontalPodAutoscaler");
            assert.equal(hpa.length, 1);
            assert.equal(hpa[0].apiVersion, "autoscaling/v2");
            assert.deepEqual(hpa[0].spec, {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "it-ops-system" },
                minReplicas: replicas,
                maxReplicas,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                behavior: {
                    scaleUp: {
                        stabilizationWindowSeconds: 0,
                        selectPolicy: "Max",
                        policies: [
                            { type: "Percent", value: 100, periodSeconds: 60 },
                            { type: "Pods", value: 2, periodSeconds: 60 },
                        ],
                    },
                    scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: "Min", policies: [{ type: "Pods", value: 1, periodSeconds: 120 }] },
                },
            });
        });

        it("namespace with Pod Security restricted (enforce, audit, warn)", async () => {
            const r = await render(stack);
            const ns = appManifests(r, "Namespace");
            assert.equal(ns.length, 1);
            assert.equal(ns[0].metadata.name, stack);
            for (const mode of ["enforce", "audit", "warn"]) {
                assert.equal(ns[0].metadata.labels[`pod-security.kubernetes.io/${mode}`], "restricted");
                assert.equal(ns[0].metadata.labels[`pod-security.kubernetes.io/${mode}-version`], "latest");
            }
        });

        it("NetworkPolicies: default deny in and out, then exactly DNS, http from ingress, metrics from monitoring, database egress", async () => {
            const r = await render(stack);
            const byName: Record<string, any> = Object.fromEntries(appManifests(r, "NetworkPolicy").map((p) => [p.metadata.name, p]));
            assert.deepEqual(Object.keys(byName).sort(), [
                "allow-dns-egress",
                "default-deny",
                "it-ops-system-allow-database-egress",
                "it-ops-system-allow-http-from-ingress",
                "it-ops-system-allow-metrics-from-monitoring",
            ]);
            for (const p of Object.values(byName)) assert.equal(p.metadata.namespace, stack);
            const app = { matchLabels: { app: "it-ops-system" } };
            assert.deepEqual(byName["default-deny"].spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            assert.deepEqual(byName["allow-dns-egress"].spec, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            });
            assert.deepEqual(byName["it-ops-system-allow-http-from-ingress"].spec, {
                podSelector: app,
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "app-routing-system" } } }], ports: [{ protocol: "TCP", port: "http" }] }],
            });
            assert.deepEqual(byName["it-ops-system-allow-metrics-from-monitoring"].spec, {
                podSelector: app,
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: "metrics" }] }],
            });
            assert.deepEqual(byName["it-ops-system-allow-database-egress"].spec, {
                podSelector: app,
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: stack === "production" ? "10.20.8.0/24" : "10.30.8.0/24" } }], ports: [{ protocol: "TCP", port: stack === "production" ? 27017 : 10260 }] }],
            });
        });

        it("every Kubernetes object has an explicit name and namespace and goes through the cluster's provider", async () => {
            const r = await render(stack);
            const app = r.resources.find((x) => x.type === "itops:app:ItOpsApp")!;
            const byUrn = new Map(r.resources.map((x) => [x.urn, x]));
            const underApp = (x: { parent?: string }): boolean => !!x.parent && (x.parent === app.urn || underApp(byUrn.get(x.parent) ?? {}));
            const k8sObjects = r.resources.filter((x) => isManifest(x) && underApp(x));
            assert.equal(k8sObjects.length, 12, "Namespace, 5 NetworkPolicies, ServiceAccount, Secret, Deployment, PDB, HPA, Service");
            const provider = r.resources.find((x) => x.type === "pulumi:providers:kubernetes")!;
            assert.equal(app.options.provider, provider.urn, "ItOpsApp gets the cluster's Kubernetes provider");
            // Staging (database.mode managed) also waits for its MongoDatabase (tests/database.test.ts).
            const database = r.resources.filter((x) => x.type === "itops:data:MongoDatabase").map((x) => x.urn);
            assert.deepEqual(app.options.dependsOn, [r.resources.find((x) => x.type === "itops:azure:AksCluster")!.urn, one(r, "itops:azure:PrivateEndpoint", "itops-registry-endpoint").urn, ...database], "waits for the cluster (AcrPull grant) and the registry's private endpoint");
            const dep = one(r, "kubernetes:apps/v1:Deployment");
            assert.deepEqual(dep.options.dependsOn, [
                r.resources.find((x) => x.type === "kubernetes:core/v1:Secret")!.urn,
                r.resources.find((x) => x.type === "itops:app:AppNamespace")!.urn,
            ]);
            for (const o of k8sObjects) assert.equal(o.options.provider, undefined, `${o.urn} inherits the provider from ItOpsApp`);
            for (const o of k8sObjects) {
                const m = o.inputs.metadata as any;
                assert.ok(m?.name, `${o.urn} has metadata.name`);
                if (o.type !== NS_TYPE) assert.equal(m.namespace, stack, `${o.urn} namespace`);
            }
        });

        it("stack outputs for the other parts (namespace, Service, ports, Deployments, images)", async () => {
            const r = await render(stack);
            assert.equal(r.outputs.appNamespace, stack);
            assert.equal(r.outputs.appServiceName, "it-ops-system");
            assert.equal(r.outputs.appServiceHost, `it-ops-system.${stack}.svc.cluster.local`);
            assert.equal(r.outputs.appHttpPort, 8080);
            assert.equal(r.outputs.appMetricsPort, 9090);
            assert.deepEqual(r.outputs.appDeployments, ["it-ops-system"]);
        });
    });
}

// ---------------------------------------------------------------------------------------------
// The component on its own
// ---------------------------------------------------------------------------------------------

const container = (repository: string): AppContainerSpec => ({
    image: { repository, tag: "2.3.4" },
    probes: { readiness: "/ready", liveness: "/live", startup: "/live" },
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    writablePaths: ["/tmp", "/var/cache/app"],
});
const SENTINEL = "mongodb://itops:S3ntinel-Passw0rd@10.20.8.4:27017/itops";
/** Every setting explicit: the component has no defaults of its own (the config schema's are asserted in app-config.test.ts). */
const baseArgs = (over: Partial<ItOpsAppArgs> = {}): ItOpsAppArgs => ({
    namespace: "production",
    name: "it-ops-system",
    registryLoginServer: "myacr.azurecr.io",
    frontend: container("web"),
    backend: container("api"),
    replicas: 3,
    maxReplicas: 9,
    cpuTargetPercent: 70,
    ports: { http: 8080, api: 3000, metrics: 9090 },
    split: false,
    zoneSpread: "DoNotSchedule",
    runAsUser: 10001,
    ingressNamespaces: ["app-routing-system"],
    scrapeNamespace: "monitoring",
    database: { cidrs: ["10.20.8.0/24"], port: 27017, uri: SENTINEL },
    ...over,
});

describe("ItOpsApp component", () => {
    it("split: two Deployments (frontend it-ops-system, backend it-ops-system-backend), PDB and HPA each, backend Service, frontend-to-backend policies", async () => {
        let app: ItOpsApp | undefined;
        const r = await record(() => {
            app = new ItOpsApp("t", baseArgs({ split: true, replicas: 2, maxReplicas: 6 }));
        });
        assert.equal(app!.deployments.length, 2);
        assert.equal(app!.deployment, app!.deployments[0]);
        assert.deepEqual(app!.labels, { app: "it-ops-system" });
        const deps = manifests(r, "Deployment");
        assert.deepEqual(deps.map((d) => d.metadata.name), ["it-ops-system", "it-ops-system-backend"]);
        assert.deepEqual(deps[0].spec.selector.matchLabels, { app: "it-ops-system", "app.kubernetes.io/component": "frontend" });
        assert.deepEqual(deps[1].spec.selector.matchLabels, { app: "it-ops-system", "app.kubernetes.io/component": "backend" });
        assert.deepEqual(deps[0].spec.template.spec.containers.map((c: any) => c.name), ["frontend"]);
        assert.deepEqual(deps[1].spec.template.spec.containers.map((c: any) => c.name), ["backend"]);
        assert.equal(
            deps[0].spec.template.spec.containers[0].env.find((e: any) => e.name === "BACKEND_URL").value,
            "http://it-ops-system-backend.production.svc.cluster.local:3000",
        );
        assert.deepEqual(deps[0].spec.template.spec.volumes.map((v: any) => v.name), ["frontend-writable-0", "frontend-writable-1"]);
        assert.deepEqual(manifests(r, "PodDisruptionBudget").map((p) => p.metadata.name), ["it-ops-system", "it-ops-system-backend"]);
        assert.deepEqual(manifests(r, "HorizontalPodAutoscaler").map((p) => [p.metadata.name, p.spec.minReplicas, p.spec.maxReplicas]), [
            ["it-ops-system", 2, 6],
            ["it-ops-system-backend", 2, 6],
        ]);
        const svc = manifests(r, "Service");
        assert.deepEqual(svc.map((s) => s.metadata.name), ["it-ops-system", "it-ops-system-backend"]);
        assert.deepEqual(svc[0].spec.selector, { app: "it-ops-system" }, "http resolves to frontend pods, metrics to backend pods");
        const np = Object.fromEntries(manifests(r, "NetworkPolicy").map((p) => [p.metadata.name, p.spec]));
        assert.deepEqual(np["it-ops-system-allow-api-from-frontend"], {
            podSelector: { matchLabels: { app: "it-ops-system", "app.kubernetes.io/component": "backend" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: { matchLabels: { app: "it-ops-system", "app.kubernetes.io/component": "frontend" } } }], ports: [{ protocol: "TCP", port: 3000 }] }],
        });
        assert.deepEqual(np["it-ops-system-allow-frontend-to-api"].egress, [
            { to: [{ podSelector: { matchLabels: { app: "it-ops-system", "app.kubernetes.io/component": "backend" } } }], ports: [{ protocol: "TCP", port: 3000 }] },
        ]);
        assert.deepEqual(np["it-ops-system-allow-database-egress"].podSelector, { matchLabels: { app: "it-ops-system", "app.kubernetes.io/component": "backend" } });
    });

    it("images: tag, digest, or both, from the given login server", async () => {
        const digest = "sha256:" + "b".repeat(64);
        let app: ItOpsApp | undefined;
        await record(() => {
            app = new ItOpsApp("t", baseArgs({ frontend: { ...container("web"), image: { repository: "web", digest } }, backend: { ...container("api"), image: { repository: "api", tag: "1.2", digest } } }));
        });
        const images = await new Promise<string[]>((res) => pulumi.all([app!.images.frontend, app!.images.backend]).apply(res));
        assert.deepEqual(images, [`myacr.azurecr.io/web@${digest}`, `myacr.azurecr.io/api:1.2@${digest}`]);
    });

    it("never writes the database URI literal, even when handed a plain string", async () => {
        const r = await record(() => new ItOpsApp("t", baseArgs()));
        const text = JSON.stringify(r.resources.map((x) => x.inputs));
        assert.ok(!text.includes("S3ntinel"), "the URI does not appear in any input");
        assert.deepEqual(manifests(r, "Secret")[0].stringData, { "database-uri": "[secret]" });
    });

    const bad: [string, Partial<ItOpsAppArgs>, RegExp][] = [
        ["latest tag", { frontend: { ...container("web"), image: { repository: "web", tag: "latest" } } }, /args\.frontend\.image\.tag must not be latest/],
        ["untagged image", { backend: { ...container("api"), image: { repository: "api" } } }, /args\.backend\.image\.tag is required/],
        ["repository with host", { backend: { ...container("api"), image: { repository: "docker.io/api", tag: "1" } } }, /args\.backend\.image\.repository must be a repository path/],
        ["request above limit", { frontend: { ...container("web"), resources: { requests: { cpu: "1", memory: "64Mi" }, limits: { cpu: "500m", memory: "64Mi" } } } }, /args\.frontend\.resources\.requests\.cpu must be <= limits\.cpu/],
        ["bad namespace", { namespace: "Prod" }, /args\.namespace must be a DNS-1123 label/],
        ["bad app name", { name: "it_ops" }, /args\.name must be a DNS-1123 label/],
        ["app name over 63 characters", { name: "a".repeat(64) }, /args\.name must be a DNS-1123 label .*at most 63 characters/],
        ["bad ingress namespace", { ingressNamespaces: ["Gateway"] }, /args\.ingressNamespaces must be a DNS-1123 label/],
        ["no ingress namespace", { ingressNamespaces: [] }, /args\.ingressNamespaces must be a non-empty list/],
        ["bad scrape namespace", { scrapeNamespace: "mon_itoring" }, /args\.scrapeNamespace must be a DNS-1123 label/],
        ["no database CIDR", { database: { cidrs: [], port: 27017, uri: SENTINEL } }, /args\.databaseCidrs must be a non-empty list/],
        ["database host name", { database: { cidrs: ["db.example.com"], port: 27017, uri: SENTINEL } }, /args\.databaseCidrs must be IPv4 CIDRs/],
        ["database port", { database: { cidrs: ["10.20.8.0/24"], port: 0, uri: SENTINEL } }, /args\.databasePort must be an integer from 1 to 65535/],
    ];
    for (const [what, over, message] of bad) {
        it(`rejects ${what}`, () => {
            // Validation runs before the first child exists; the component calls exactly this.
            assert.throws(
                () => resolveItOpsAppArgs("t", baseArgs(over)),
                (e: unknown) => {
                    assert.ok(e instanceof ArgumentError, String(e));
                    assert.match(e.message, message);
                    return true;
                },
            );
        });
    }
});
