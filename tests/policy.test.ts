/**
 * Every policy of the pack, called directly with a passing and a failing resource; violations
 * are collected from `reportViolation`.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
    aksApiServerRestricted,
    aksClusterHardened,
    containerProbes,
    containerResources,
    imagesFromStackRegistry,
    ItOpsResourcePolicy,
    mongoClusterHighAvailability,
    mongoClusterPrivateNetwork,
    noHostAccess,
    noPublicLoadBalancer,
    parseImage,
    policyConfigFor,
    productionHighAvailability,
    registryAdminDisabled,
    registryPrivateNetwork,
    RESOURCE_POLICIES,
    restrictedSecurityContext,
    STACK_POLICIES,
    storageAccountHardened,
    storagePrivateNetwork,
} from "../policy/policies";

/** Runs a resource policy on one resource; returns the violation messages. */
function check(policy: ItOpsResourcePolicy, type: string, props: Record<string, any>, config: object = {}): string[] {
    const out: string[] = [];
    policy.validateResource({ type, props, urn: `urn:pulumi:test::p::${type}::r`, name: "r", getConfig: <T extends object>() => config as T }, (m: string) => out.push(m));
    return out;
}

const REGISTRY = { registries: ["itopsproductionacr.azurecr.io"] };
const goodContainer = (name = "app") => ({
    name,
    image: "itopsproductionacr.azurecr.io/it-ops/app:1.2.3",
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    readinessProbe: { httpGet: { path: "/ready", port: "http" } },
    livenessProbe: { httpGet: { path: "/live", port: "http" } },
    securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    },
});
const deployment = (pod: Record<string, any>, extra: Record<string, any> = {}) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "production" },
    spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: pod }, ...extra },
});
const goodPod = () => ({ containers: [goodContainer()], securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } });
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

describe("images-from-stack-registry", () => {
    it("passes a pinned image (tag or digest) from the stack's registry", () => {
        assert.deepEqual(check(imagesFromStackRegistry, DEPLOYMENT, deployment(goodPod()), REGISTRY), []);
        const digest = { ...goodContainer(), image: `itopsproductionacr.azurecr.io/it-ops/app@sha256:${"c".repeat(64)}` };
        assert.deepEqual(check(imagesFromStackRegistry, DEPLOYMENT, deployment({ containers: [digest] }), REGISTRY), []);
    });
    it("fails latest, untagged, foreign registry and Docker Hub images, in init containers and CronJobs too", () => {
        const pod = (image: string) => deployment({ containers: [{ ...goodContainer(), image }] });
        assert.match(check(imagesFromStackRegistry, DEPLOYMENT, pod("itopsproductionacr.azurecr.io/it-ops/app:latest"), REGISTRY).join(), /floating tag latest/);
        assert.match(check(imagesFromStackRegistry, DEPLOYMENT, pod("itopsproductionacr.azurecr.io/it-ops/app"), REGISTRY).join(), /no tag or digest/);
        assert.match(check(imagesFromStackRegistry, DEPLOYMENT, pod("evilacr.azurecr.io/it-ops/app:1.0"), REGISTRY).join(), /not from the stack's registry/);
        assert.match(check(imagesFromStackRegistry, DEPLOYMENT, pod("nginx:1.27"), REGISTRY).join(), /not from the stack's registry/);
        const init = deployment({ initContainers: [{ ...goodContainer("init"), image: "busybox" }], containers: [goodContainer()] });
        assert.equal(check(imagesFromStackRegistry, DEPLOYMENT, init, REGISTRY).length, 2, "foreign and untagged");
        const cron = { spec: { schedule: "0 1 * * *", jobTemplate: { spec: { template: { spec: { containers: [{ ...goodContainer(), image: "mongo:latest" }] } } } } } };
        assert.equal(check(imagesFromStackRegistry, "kubernetes:batch/v1:CronJob", cron, REGISTRY).length, 2);
    });
    it("fails closed when no registry is configured", () => {
        assert.match(check(imagesFromStackRegistry, DEPLOYMENT, deployment(goodPod()), {}).join(), /none configured/);
    });
    it("ignores non-workload resources and patches", () => {
        assert.deepEqual(check(imagesFromStackRegistry, "kubernetes:apps/v1:DeploymentPatch", { spec: { replicas: 2 } }, REGISTRY), []);
        assert.deepEqual(check(imagesFromStackRegistry, "kubernetes:core/v1:ConfigMap", { data: {} }, REGISTRY), []);
    });
    it("parses image references", () => {
        assert.deepEqual(parseImage("a.azurecr.io/x/y:1@sha256:ab"), { registry: "a.azurecr.io", repository: "x/y", tag: "1", digest: "sha256:ab" });
        assert.deepEqual(parseImage("nginx"), { registry: undefined, repository: "nginx", tag: undefined, digest: undefined });
        assert.deepEqual(parseImage("localhost:5000/x"), { registry: "localhost:5000", repository: "x", tag: undefined, digest: undefined });
    });
});

describe("container-resources", () => {
    it("passes requests and limits for CPU and memory", () => assert.deepEqual(check(containerResources, DEPLOYMENT, deployment(goodPod())), []));
    it("fails a missing limit and a missing requests block", () => {
        const c = { ...goodContainer(), resources: { requests: { cpu: "100m" }, limits: { cpu: "1", memory: "1Gi" } } };
        assert.match(check(containerResources, DEPLOYMENT, deployment({ containers: [c] })).join(), /requests\.memory/);
        const none = { ...goodContainer(), resources: undefined };
        assert.match(check(containerResources, "kubernetes:batch/v1:Job", { spec: { template: { spec: { containers: [none] } } } }).join(), /requests\.cpu, requests\.memory, limits\.cpu, limits\.memory/);
    });
});

describe("container-probes", () => {
    it("passes readiness and liveness; Jobs need none", () => {
        assert.deepEqual(check(containerProbes, DEPLOYMENT, deployment(goodPod())), []);
        const c = { ...goodContainer(), readinessProbe: undefined, livenessProbe: undefined };
        assert.deepEqual(check(containerProbes, "kubernetes:batch/v1:Job", { spec: { template: { spec: { containers: [c] } } } }), []);
    });
    it("fails a container without readiness or liveness probe", () => {
        const c = { ...goodContainer(), livenessProbe: undefined };
        assert.match(check(containerProbes, DEPLOYMENT, deployment({ containers: [c] })).join(), /must have livenessProbe/);
        const d = { ...goodContainer(), readinessProbe: undefined, livenessProbe: undefined };
        assert.match(check(containerProbes, "kubernetes:apps/v1:StatefulSet", deployment({ containers: [d] })).join(), /readinessProbe and livenessProbe/);
    });
});

describe("restricted-security-context", () => {
    it("passes the restricted context (container level, and with pod-level seccomp/runAsNonRoot)", () => {
        assert.deepEqual(check(restrictedSecurityContext, DEPLOYMENT, deployment(goodPod())), []);
        const c = goodContainer();
        const { runAsNonRoot: _a, seccompProfile: _b, ...rest } = c.securityContext;
        assert.deepEqual(check(restrictedSecurityContext, DEPLOYMENT, deployment({ containers: [{ ...c, securityContext: rest }], securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } })), []);
    });
    const broken: [string, Record<string, unknown>, RegExp][] = [
        ["runAsNonRoot false", { runAsNonRoot: false }, /runAsNonRoot must be true/],
        ["root user", { runAsUser: 0 }, /runAsUser must be set to a non-zero id/],
        ["no group", { runAsGroup: undefined }, /runAsGroup must be set/],
        ["writable root", { readOnlyRootFilesystem: false }, /readOnlyRootFilesystem must be true/],
        ["privilege escalation", { allowPrivilegeEscalation: true }, /allowPrivilegeEscalation must be false/],
        ["capabilities kept", { capabilities: { drop: ["NET_RAW"] } }, /drop must include ALL/],
        ["capability added", { capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } }, /may only contain NET_BIND_SERVICE, not SYS_ADMIN/],
        ["unconfined seccomp", { seccompProfile: { type: "Unconfined" } }, /seccompProfile/],
    ];
    for (const [what, patch, message] of broken) {
        it(`fails ${what}`, () => {
            const c = { ...goodContainer(), securityContext: { ...goodContainer().securityContext, ...patch } };
            const out = check(restrictedSecurityContext, DEPLOYMENT, deployment({ containers: [c] }));
            assert.equal(out.length, 1);
            assert.match(out[0], message);
            assert.match(out[0], /^Deployment production\/web: containers\[0\] \(app\)/);
        });
    }
    it("fails a container with no security context at all", () => {
        assert.match(check(restrictedSecurityContext, "kubernetes:core/v1:Pod", { spec: { containers: [{ name: "x", image: "x" }] } }).join(), /runAsNonRoot.*readOnlyRootFilesystem.*allowPrivilegeEscalation.*ALL.*seccomp/);
    });
});

describe("no-host-access", () => {
    it("passes a pod without host access", () => assert.deepEqual(check(noHostAccess, DEPLOYMENT, deployment(goodPod())), []));
    it("fails hostNetwork, hostPID, hostIPC, hostPath, hostPort and privileged", () => {
        const c = { ...goodContainer(), ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { privileged: true } };
        const out = check(noHostAccess, "kubernetes:apps/v1:DaemonSet", deployment({ hostNetwork: true, hostPID: true, hostIPC: true, volumes: [{ name: "root", hostPath: { path: "/" } }], containers: [c] }));
        assert.equal(out.length, 6, out.join("\n"));
        for (const m of [/hostNetwork/, /hostPID/, /hostIPC/, /hostPath volume/, /hostPort 80/, /privileged/]) assert.ok(out.some((x) => m.test(x)), String(m));
    });
});

describe("no-public-load-balancer", () => {
    const svc = (type: string, annotations?: Record<string, string>) => ({ metadata: { name: "s", namespace: "production", annotations }, spec: { type, ports: [{ port: 80 }] } });
    const SVC = "kubernetes:core/v1:Service";
    it("passes ClusterIP and internal Azure load balancers", () => {
        assert.deepEqual(check(noPublicLoadBalancer, SVC, svc("ClusterIP")), []);
        assert.deepEqual(check(noPublicLoadBalancer, SVC, svc("LoadBalancer", { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" })), []);
    });
    it("fails a public LoadBalancer unless the stack allows it", () => {
        assert.match(check(noPublicLoadBalancer, SVC, svc("LoadBalancer")).join(), /public IP/);
        assert.match(check(noPublicLoadBalancer, SVC, svc("LoadBalancer", { "service.beta.kubernetes.io/azure-load-balancer-internal": "false" })).join(), /public IP/);
        assert.deepEqual(check(noPublicLoadBalancer, SVC, svc("LoadBalancer"), { allowPublicLoadBalancer: true }), []);
    });
});

describe("production-high-availability (stack policy)", () => {
    const pdb = (selector: Record<string, string>, ns = "production") => ({ type: "kubernetes:policy/v1:PodDisruptionBudget", urn: "u:pdb", name: "pdb", props: { metadata: { name: "pdb", namespace: ns }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } } });
    const spread = [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } } }];
    const dep = (replicas: number, topologySpreadConstraints?: unknown[]) => ({ type: DEPLOYMENT, urn: "u:dep", name: "dep", props: deployment({ ...goodPod(), topologySpreadConstraints }, { replicas }) });
    const run = (resources: any[], config: object) => {
        const out: string[] = [];
        productionHighAvailability.validateStack({ resources, getConfig: <T extends object>() => config as T }, (m: string) => out.push(m));
        return out;
    };
    it("passes a Deployment with 3 replicas, a PDB selecting it and topology spread", () => {
        assert.deepEqual(run([dep(3, spread), pdb({ app: "web" })], { production: true }), []);
    });
    it("fails one replica, no PDB (or a PDB in another namespace / selecting other pods), no spread", () => {
        const out = run([dep(1), pdb({ app: "other" }), pdb({ app: "web" }, "staging")], { production: true });
        assert.equal(out.length, 3, out.join("\n"));
        assert.match(out[0], />= 2 replicas, has 1/);
        assert.match(out[1], /PodDisruptionBudget/);
        assert.match(out[2], /topologySpreadConstraints/);
    });
    it("does not apply outside production", () => assert.deepEqual(run([dep(1)], { production: false }), []));
});

describe("aks-cluster-hardened", () => {
    const AKS = "azure-native:containerservice:ManagedCluster";
    const good = { resourceName: "aks", disableLocalAccounts: true, aadProfile: { managed: true, enableAzureRBAC: true }, securityProfile: { workloadIdentity: { enabled: true } }, oidcIssuerProfile: { enabled: true } };
    it("passes local accounts off, Azure RBAC and workload identity on", () => assert.deepEqual(check(aksClusterHardened, AKS, good), []));
    it("fails each missing hardening", () => {
        const out = check(aksClusterHardened, AKS, { ...good, disableLocalAccounts: false, aadProfile: { managed: true }, securityProfile: {}, oidcIssuerProfile: undefined });
        assert.equal(out.length, 1);
        for (const m of [/disableLocalAccounts/, /enableAzureRBAC/, /workloadIdentity/, /oidcIssuerProfile/]) assert.match(out[0], m);
        assert.equal(check(aksClusterHardened, "azure-native:containerservice/v20240901:ManagedCluster", {}).length, 1, "versioned types too");
    });
});

describe("storage-account-hardened (synthetic accounts: the backups part adds real ones)", () => {
    const SA = "azure-native:storage:StorageAccount";
    const good = { accountName: "itopsbackup", allowBlobPublicAccess: false, allowSharedKeyAccess: false, minimumTlsVersion: "TLS1_2", enableHttpsTrafficOnly: true };
    it("passes no public blobs, no shared keys, TLS 1.2", () => assert.deepEqual(check(storageAccountHardened, SA, good), []));
    it("fails public blob access, shared keys, old TLS, plain HTTP", () => {
        assert.match(check(storageAccountHardened, SA, { ...good, allowBlobPublicAccess: true }).join(), /allowBlobPublicAccess/);
        assert.match(check(storageAccountHardened, SA, { ...good, allowSharedKeyAccess: undefined }).join(), /allowSharedKeyAccess/);
        assert.match(check(storageAccountHardened, SA, { ...good, minimumTlsVersion: "TLS1_0" }).join(), /TLS1_2 or newer, is TLS1_0/);
        assert.match(check(storageAccountHardened, SA, { ...good, enableHttpsTrafficOnly: false }).join(), /enableHttpsTrafficOnly/);
        assert.match(check(storageAccountHardened, SA, { accountName: "x" }).join(), /allowBlobPublicAccess.*allowSharedKeyAccess.*unset/);
    });
});

describe("registry-admin-disabled", () => {
    const ACR = "azure-native:containerregistry:Registry";
    it("passes adminUserEnabled false", () => assert.deepEqual(check(registryAdminDisabled, ACR, { registryName: "acr", adminUserEnabled: false }), []));
    it("fails admin on or unset", () => {
        assert.match(check(registryAdminDisabled, ACR, { registryName: "acr", adminUserEnabled: true }).join(), /adminUserEnabled must be false/);
        assert.equal(check(registryAdminDisabled, ACR, { registryName: "acr" }).length, 1);
    });
});

describe("registry-private-network", () => {
    const ACR = "azure-native:containerregistry:Registry";
    const good = { registryName: "acr", publicNetworkAccess: "Disabled", policies: { exportPolicy: { status: "disabled" } } };
    it("passes a registry with public access and export disabled", () => assert.deepEqual(check(registryPrivateNetwork, ACR, good), []));
    it("fails public access (set or unset) and enabled export", () => {
        const out = check(registryPrivateNetwork, ACR, { ...good, publicNetworkAccess: "Enabled", policies: { exportPolicy: { status: "enabled" } } });
        assert.equal(out.length, 1);
        assert.match(out[0], /^container registry acr: publicNetworkAccess must be Disabled, is Enabled; policies\.exportPolicy\.status must be disabled/);
        assert.match(check(registryPrivateNetwork, ACR, { registryName: "acr" }).join(), /is unset \(Enabled\)/);
        assert.equal(check(registryPrivateNetwork, "azure-native:containerregistry/v20230701:Registry", {}).length, 1, "versioned types too");
    });
    it("allows public access only where the stack's config allows it", () => {
        assert.deepEqual(check(registryPrivateNetwork, ACR, { registryName: "acr", publicNetworkAccess: "Enabled" }, { allowPublicNetworkAccess: true }), []);
    });
});

describe("storage-private-network", () => {
    const SA = "azure-native:storage:StorageAccount";
    const good = { accountName: "itopsbkp", publicNetworkAccess: "Disabled", networkRuleSet: { defaultAction: "Deny", bypass: "None" } };
    it("passes a private account with deny-by-default rules", () => assert.deepEqual(check(storagePrivateNetwork, SA, good), []));
    it("fails public access and allow-by-default rules", () => {
        const out = check(storagePrivateNetwork, SA, { accountName: "itopsbkp" });
        assert.equal(out.length, 1);
        assert.match(out[0], /networkRuleSet\.defaultAction must be Deny, is unset \(Allow\); publicNetworkAccess must be Disabled, is unset \(Enabled\)/);
        assert.match(check(storagePrivateNetwork, SA, { ...good, publicNetworkAccess: "Enabled" }).join(), /publicNetworkAccess must be Disabled, is Enabled/);
    });
    it("a stack that allows public access still needs deny-by-default rules", () => {
        assert.deepEqual(check(storagePrivateNetwork, SA, { ...good, publicNetworkAccess: "Enabled" }, { allowPublicNetworkAccess: true }), []);
        assert.match(check(storagePrivateNetwork, SA, { ...good, networkRuleSet: { defaultAction: "Allow" } }, { allowPublicNetworkAccess: true }).join(), /defaultAction must be Deny, is Allow/);
    });
});

describe("mongo-cluster-private-network", () => {
    const MC = "azure-native:mongocluster:MongoCluster";
    const good = { mongoClusterName: "mongo-it-ops-staging", properties: { publicNetworkAccess: "Disabled", highAvailability: { targetMode: "Disabled" } } };
    it("passes a cluster whose public access is Disabled", () => assert.deepEqual(check(mongoClusterPrivateNetwork, MC, good), []));
    it("fails public access Enabled or unset (the service's default is Enabled), replicas and versioned types too", () => {
        assert.deepEqual(check(mongoClusterPrivateNetwork, MC, { ...good, properties: { publicNetworkAccess: "Enabled" } }), [
            "MongoDB cluster mongo-it-ops-staging: properties.publicNetworkAccess must be Disabled, is Enabled",
        ]);
        assert.deepEqual(check(mongoClusterPrivateNetwork, MC, { mongoClusterName: "m" }), ["MongoDB cluster m: properties.publicNetworkAccess must be Disabled, is unset (Enabled)"]);
        assert.equal(check(mongoClusterPrivateNetwork, MC, { mongoClusterName: "m-geo", properties: { createMode: "GeoReplica" } }).length, 1, "a geo replica inherits no network settings");
        assert.equal(check(mongoClusterPrivateNetwork, "azure-native:mongocluster/v20250901:MongoCluster", {}).length, 1, "versioned types too");
    });
    it("no stack config allows it (not even allowPublicNetworkAccess)", () => {
        assert.equal(check(mongoClusterPrivateNetwork, MC, { properties: { publicNetworkAccess: "Enabled" } }, { allowPublicNetworkAccess: true }).length, 1);
    });
    it("rejects every firewall rule of a cluster", () => {
        assert.deepEqual(check(mongoClusterPrivateNetwork, "azure-native:mongocluster:FirewallRule", { firewallRuleName: "office", properties: { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" } }), [
            "MongoDB cluster firewall rule office: firewall rules open the public endpoint; reach the cluster through its private endpoint",
        ]);
    });
    it("ignores other types", () => assert.deepEqual(check(mongoClusterPrivateNetwork, "azure-native:storage:StorageAccount", {}), []));
});

describe("mongo-cluster-high-availability", () => {
    const MC = "azure-native:mongocluster:MongoCluster";
    const PROD = { production: true };
    it("production: a primary cluster needs ZoneRedundantPreferred (or SameZone)", () => {
        assert.deepEqual(check(mongoClusterHighAvailability, MC, { mongoClusterName: "m", properties: { highAvailability: { targetMode: "ZoneRedundantPreferred" } } }, PROD), []);
        assert.deepEqual(check(mongoClusterHighAvailability, MC, { mongoClusterName: "m", properties: { highAvailability: { targetMode: "SameZone" } } }, PROD), []);
        assert.deepEqual(check(mongoClusterHighAvailability, MC, { mongoClusterName: "m", properties: { highAvailability: { targetMode: "Disabled" } } }, PROD), [
            "MongoDB cluster m: properties.highAvailability.targetMode must be ZoneRedundantPreferred (or SameZone) in production, is Disabled",
        ]);
        assert.match(check(mongoClusterHighAvailability, MC, { mongoClusterName: "m", properties: {} }, PROD).join(), /is unset \(Disabled\)/);
        assert.equal(check(mongoClusterHighAvailability, MC, { properties: {} }, {}).length, 1, "no config (an unknown stack): fail closed");
    });
    it("geo replicas (no HA by the service) and other stacks pass", () => {
        assert.deepEqual(check(mongoClusterHighAvailability, MC, { properties: { createMode: "GeoReplica" } }, PROD), []);
        assert.deepEqual(check(mongoClusterHighAvailability, MC, { properties: { highAvailability: { targetMode: "Disabled" } } }, { production: false }), []);
    });
    it("policyConfigFor: production only (unknown stack: fail closed)", () => {
        assert.deepEqual(policyConfigFor({ stack: "production" })["mongo-cluster-high-availability"], { production: true });
        assert.deepEqual(policyConfigFor({ stack: "staging" })["mongo-cluster-high-availability"], { production: false });
        assert.deepEqual(policyConfigFor({ stack: "" })["mongo-cluster-high-availability"], { production: true });
    });
});

describe("aks-api-server-restricted", () => {
    const AKS = "azure-native:containerservice:ManagedCluster";
    it("passes a private cluster, and a public one with authorized ranges; both with run command off", () => {
        assert.deepEqual(check(aksApiServerRestricted, AKS, { resourceName: "aks", apiServerAccessProfile: { enablePrivateCluster: true, disableRunCommand: true } }), []);
        assert.deepEqual(check(aksApiServerRestricted, AKS, { resourceName: "aks", apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"], disableRunCommand: true } }), []);
    });
    it("fails a public API server without ranges, a /0 range, and run command on", () => {
        assert.match(check(aksApiServerRestricted, AKS, { resourceName: "aks" }).join(), /^AKS cluster aks: the API server is public without authorizedIPRanges .*; apiServerAccessProfile\.disableRunCommand must be true$/);
        assert.match(check(aksApiServerRestricted, AKS, { resourceName: "aks", apiServerAccessProfile: { authorizedIPRanges: ["0.0.0.0/0"], disableRunCommand: true } }).join(), /must not contain a \/0 block/);
        assert.match(check(aksApiServerRestricted, AKS, { resourceName: "aks", apiServerAccessProfile: { enablePrivateCluster: true, disableRunCommand: false } }).join(), /disableRunCommand must be true/);
    });
});

describe("the pack", () => {
    it("has every policy, mandatory, with a description, unique names", () => {
        const all = [...RESOURCE_POLICIES, ...STACK_POLICIES];
        // 10, plus issue 15's registry-private-network, storage-private-network, aks-api-server-restricted,
        // namespace-default-deny, chart-images-from-stack-registry and grafana-rbac-namespaced.
        assert.equal(all.length, 18);
        assert.equal(new Set(all.map((p) => p.name)).size, all.length);
        for (const p of all) {
            assert.equal(p.enforcementLevel, "mandatory", p.name);
            assert.ok(p.description.length > 20, p.name);
        }
    });
    it("derives the per-stack config from the stack's settings", () => {
        assert.deepEqual(policyConfigFor({ stack: "production", registryName: "ItOpsProductionAcr", allowPublicLoadBalancer: false }), {
            "images-from-stack-registry": { registries: ["itopsproductionacr.azurecr.io"] },
            "chart-images-from-stack-registry": { registries: ["itopsproductionacr.azurecr.io"] },
            "production-high-availability": { production: true, minReplicas: 2 },
            "no-public-load-balancer": { allowPublicLoadBalancer: false },
            "mongo-cluster-high-availability": { production: true },
            "registry-private-network": { allowPublicNetworkAccess: false },
            "storage-private-network": { allowPublicNetworkAccess: false },
        });
        assert.deepEqual(policyConfigFor({ stack: "staging", publicNetworkAccess: true })["registry-private-network"], { allowPublicNetworkAccess: true });
        assert.deepEqual(policyConfigFor({ stack: "production", publicNetworkAccess: true })["storage-private-network"], { allowPublicNetworkAccess: false }, "never in production");
        assert.deepEqual(policyConfigFor({ stack: "", publicNetworkAccess: true })["registry-private-network"], { allowPublicNetworkAccess: false }, "unknown stack: fail closed");
        assert.deepEqual(policyConfigFor({ stack: "staging" })["production-high-availability"], { production: false, minReplicas: 2 });
        assert.deepEqual(policyConfigFor({ stack: "staging" })["images-from-stack-registry"], { registries: [] });
        assert.deepEqual(policyConfigFor({ stack: "" })["production-high-availability"], { production: true, minReplicas: 2 }, "unknown stack: fail closed");
    });
});

describe("the pack's files", () => {
    it("PulumiPolicy.yaml (nodejs) and a package.json whose dependencies the repository root installs at the same versions", () => {
        const fs = require("node:fs") as typeof import("node:fs");
        const path = require("node:path") as typeof import("node:path");
        const root = path.resolve(__dirname, "..");
        assert.match(fs.readFileSync(path.join(root, "policy", "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "policy", "package.json"), "utf8"));
        assert.equal(pkg.main, "index.ts");
        for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
            const installed = String(JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version).replace(/^v/, "");
            assert.equal(installed, version, `${name}: policy/package.json pins ${version}, the root installs ${installed}`);
        }
    });
});
