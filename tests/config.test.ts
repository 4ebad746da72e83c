/**
 * The typed stack configuration: both stack files parse, and every validation rule rejects bad
 * input with one message naming the key, the value and what is allowed.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ConfigError, parseStackConfig, PROJECT } from "../infra/config";
import { SECURE_PLACEHOLDER } from "../infra/config/kit";
import { aksClusterSchema, registrySchema } from "../infra/config/platform";
import { applySet, RawStackConfig, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { PROJECT_DIR, synthInProcess } from "./helpers";

function stackFile(stack: string): RawStackConfig {
    return readStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
}

function parse(stack: string, sets: string[] = [], opts: { secretPlaceholders?: boolean } = {}) {
    let raw = stackFile(stack);
    for (const s of sets) raw = applySet(raw, s);
    const c = parseStackConfig(stack, toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true, ...opts }).config;
    assert.ok(c.clusterMode === "aks", `${stack} is an AKS stack`); // (existing mode: tests/local-stack.test.ts)
    return c;
}

function parseError(stack: string, sets: string[]): ConfigError {
    try {
        parse(stack, sets);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e;
    }
    assert.fail(`expected ${sets.join(" ")} to be rejected`);
}

describe("stack files", () => {
    it("production: three zones, Standard tier, larger pools, protected", () => {
        const c = parse("production");
        assert.equal(c.stack, "production");
        assert.equal(c.location, "japaneast");
        assert.equal(c.protect, true);
        assert.deepEqual(c.cluster.zones, ["1", "2", "3"]);
        assert.equal(c.cluster.skuTier, "Standard");
        assert.deepEqual(
            [c.cluster.systemPool.minCount, c.cluster.systemPool.maxCount, c.cluster.userPool.minCount, c.cluster.userPool.maxCount],
            [3, 5, 3, 10],
        );
        assert.equal(c.registry.name, "itopsproductionacr");
    });

    it("staging: Free tier, no zones, smaller pools, nothing protected", () => {
        const c = parse("staging");
        assert.equal(c.protect, false);
        assert.deepEqual(c.cluster.zones, []);
        assert.equal(c.cluster.skuTier, "Free");
        assert.deepEqual([c.cluster.userPool.minCount, c.cluster.userPool.maxCount], [1, 4]);
    });

    it("fills documented defaults", () => {
        const c = parse("staging");
        assert.equal(c.resourceGroupName, "rg-it-ops-staging");
        assert.equal(c.cluster.dnsPrefix, "aks-it-ops-staging");
        assert.equal(c.cluster.podCidr, "10.244.0.0/16");
        assert.equal(c.cluster.serviceCidr, "10.0.0.0/16");
        assert.equal(c.cluster.dnsServiceIP, "10.0.0.10");
        assert.equal(c.cluster.userPool.name, "user");
        assert.equal(c.cluster.systemPool.name, "system");
        assert.deepEqual(c.cluster.upgradeWindow, { dayOfWeek: "Sunday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 });
        // Premium (private endpoint, zone redundancy, retention policy), as the stack file says.
        assert.equal(c.registry.sku, "Premium");
        assert.equal(c.registry.existing, false);
        assert.equal(c.registry.zoneRedundant, true);
        assert.equal(c.registry.untaggedRetentionDays, 7);
    });

    it("the cluster schema owns the defaults and ranges the platform components do not repeat", () => {
        // Moved here from the component tests: AksCluster, ContainerRegistry, DefenderPlan,
        // PodSecurityPolicy and StackNetwork take these values as required args.
        const c = aksClusterSchema.parse({ name: "aks_One", kubernetesVersion: "1.33", adminGroupObjectIds: ["8c4e2a9d-1b7f-4d3e-a5c8-6f0e9b2d7a14"] });
        assert.equal(c.dnsPrefix, "aks-one");
        assert.equal(c.skuTier, "Standard");
        assert.deepEqual(c.zones, []);
        assert.equal(c.autoUpgradeChannel, "patch");
        assert.equal(c.nodeOsUpgradeChannel, "NodeImage");
        assert.equal(c.kubeloginMode, "azurecli");
        assert.deepEqual([c.podCidr, c.serviceCidr, c.dnsServiceIP], ["10.244.0.0/16", "10.0.0.0/16", "10.0.0.10"]);
        for (const pool of [c.systemPool, c.userPool]) assert.deepEqual([pool.osDiskSizeGB, pool.maxPods], [128, 110]);
        assert.deepEqual(c.upgradeWindow, { dayOfWeek: "Sunday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 });
        assert.deepEqual(c.nodeOsWindow, { dayOfWeek: "Saturday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 });
        assert.equal(c.logRetentionDays, 30);
        assert.deepEqual(c.apiServer, { access: "private", authorizedIpRanges: [], disableRunCommand: true });
        assert.deepEqual(c.podSecurityPolicy, { level: "baseline", effect: "deny", excludedNamespaces: [] });
        const r = registrySchema.parse({ name: "itopsacr01" });
        assert.deepEqual([r.sku, r.zoneRedundant, r.untaggedRetentionDays], ["Premium", true, 7]);
        assert.ok(parseError("staging", ["cluster.logRetentionDays=731"]).message.includes("<= 730"));
        assert.ok(parseError("staging", ["cluster.userPool.maxPods=251"]).message.includes("cluster.userPool.maxPods"));
        assert.ok(parseError("staging", ["cluster.systemPool.osDiskSizeGB=29"]).message.includes("cluster.systemPool.osDiskSizeGB"));
    });

    it("is frozen", () => {
        const c = parse("production");
        assert.ok(Object.isFrozen(c));
        assert.ok(Object.isFrozen(c.cluster));
        assert.ok(Object.isFrozen(c.cluster.zones));
        assert.throws(() => ((c.cluster as { name: string }).name = "x"));
    });

    it("ignores provider namespaces but reads only the project's", () => {
        const raw = stackFile("staging");
        assert.equal(raw.values["azure-native:location"], "japaneast");
        const c = parse("staging", ["azure-native:someProviderKey=1"]);
        assert.equal(c.location, "japaneast");
    });

    it("--set values override as `pulumi config set --path` would", () => {
        const c = parse("staging", ["cluster.userPool.maxCount=7", "cluster.zones=[\"1\"]", "tags.owner=ops"]);
        assert.equal(c.cluster.userPool.maxCount, 7);
        assert.deepEqual(c.cluster.zones, ["1"]);
        assert.equal(c.tags.owner, "ops");
    });
});

/** Each bad input: the overrides, the key the error must name, and a fragment of the message. */
const BAD: readonly [string, string[], string, string][] = [
    ["wrong type (string for integer)", ["cluster.userPool.maxCount=\"five\""], "cluster.userPool.maxCount", "must be an integer"],
    ["min > max", ["cluster.userPool.maxCount=2"], "cluster.userPool.maxCount", "must be an integer >= minCount (3) and <= 1000, got 2"],
    ["system pool min > max", ["cluster.systemPool.minCount=9"], "cluster.systemPool.maxCount", ">= minCount (9)"],
    ["out of range (0 nodes)", ["cluster.userPool.minCount=0"], "cluster.userPool.minCount", ">= 1"],
    ["non-integer", ["cluster.userPool.minCount=1.5"], "cluster.userPool.minCount", "must be an integer"],
    ["unknown top-level key", ["clusterr={}"], "clusterr", "is not a known setting"],
    ["unknown nested key (typo)", ["cluster.userPool.maxCont=5"], "cluster.userPool.maxCont", "is not a known setting"],
    ["bad enum (sku tier)", ["cluster.skuTier=Gold"], "cluster.skuTier", "must be one of Free, Standard, Premium"],
    ["bad enum (upgrade channel)", ["cluster.autoUpgradeChannel=weekly"], "cluster.autoUpgradeChannel", "must be one of none, patch, stable, rapid, node-image"],
    ["bad enum (kubelogin mode)", ["cluster.kubeloginMode=devicecode"], "cluster.kubeloginMode", "must be one of azurecli, workloadidentity"],
    ["ACR name too short", ["registry.name=acr"], "registry.name", "5-50 alphanumeric"],
    ["ACR name with a dash", ["registry.name=it-ops-acr"], "registry.name", "5-50 alphanumeric"],
    ["zone not listed for the region", ["cluster.zones=[\"1\",\"4\"]"], "cluster.zones", "must only use zones listed for japaneast"],
    ["zones in a region without zones", ["location=japanwest"], "cluster.zones", "none listed"],
    ["repeated zone", ["cluster.zones=[\"1\",\"1\"]"], "cluster.zones", "must not repeat"],
    ["bad Kubernetes version", ["cluster.kubernetesVersion=latest"], "cluster.kubernetesVersion", "a Kubernetes version"],
    ["bad cluster name", ["cluster.name=-aks"], "cluster.name", "an AKS cluster name"],
    ["admin group not a UUID", ["cluster.adminGroupObjectIds=[\"ops-admins\"]"], "cluster.adminGroupObjectIds[0]", "an Entra group object id"],
    ["no admin group", ["cluster.adminGroupObjectIds=[]"], "cluster.adminGroupObjectIds", "at least 1"],
    ["wrong type (boolean)", ["protect=\"yes\""], "protect", "must be true or false"],
    ["bad VM size", ["cluster.userPool.vmSize=D4"], "cluster.userPool.vmSize", "an Azure VM size"],
    ["bad maintenance day", ["cluster.upgradeWindow.dayOfWeek=Funday"], "cluster.upgradeWindow.dayOfWeek", "must be one of Monday"],
    ["bad maintenance time", ["cluster.nodeOsWindow.startTime=25:00"], "cluster.nodeOsWindow.startTime", "a time HH:MM"],
    ["maintenance window too short", ["cluster.upgradeWindow.durationHours=2"], "cluster.upgradeWindow.durationHours", ">= 4"],
    ["bad UTC offset", ["cluster.upgradeWindow.utcOffset=JST"], "cluster.upgradeWindow.utcOffset", "a UTC offset"],
    ["DNS IP outside the service CIDR", ["cluster.dnsServiceIP=10.1.0.10"], "cluster.dnsServiceIP", "inside serviceCidr"],
    ["DNS IP with an octet above 255", ["cluster.dnsServiceIP=10.0.0.256"], "cluster.dnsServiceIP", "must be an IPv4 address"],
    ["overlapping CIDRs", ["cluster.podCidr=10.0.0.0/8"], "cluster.podCidr", "must not overlap serviceCidr"],
    ["bad CIDR", ["cluster.serviceCidr=10.0.0.0/40"], "cluster.serviceCidr", "an IPv4 CIDR"],
    ["same pool names", ["cluster.userPool.name=system"], "cluster.userPool.name", "must differ from systemPool.name"],
    ["bad pool name", ["cluster.userPool.name=User-Pool"], "cluster.userPool.name", "a node pool name"],
    ["log retention out of range", ["cluster.logRetentionDays=7"], "cluster.logRetentionDays", ">= 30"],
    ["registry resource group without existing", ["registry.resourceGroupName=rg-shared"], "registry.resourceGroupName", "only allowed with registry.existing"],
    ["missing required location", ["location=null"], "location", "is required"],
    ["object given a scalar", ["cluster.userPool=3"], "cluster.userPool", "must be an object"],
    ["bad resource group name", ["resourceGroupName=rg.bad."], "resourceGroupName", "a resource group name"],
    ["tags must be strings", ["tags.cost=5"], "tags.cost", "must be a string"],
    ["bad region zones", ["regionZones.japaneast=[\"a\"]"], "regionZones.japaneast[0]", "an availability zone number"],
    ["the load test targets the workload; its namespace is not set twice", ["verification.loadTest.appNamespace=elsewhere"], "verification.loadTest.appNamespace", "is not a known setting"],
    ["node-image channel needs NodeImage OS channel", ["cluster.autoUpgradeChannel=node-image", "cluster.nodeOsUpgradeChannel=SecurityPatch"], "cluster.nodeOsUpgradeChannel", "must be NodeImage"],
];

describe("validation: every rule rejects bad input with one line naming the key", () => {
    for (const [what, sets, key, fragment] of BAD) {
        it(what, () => {
            const e = parseError("production", sets);
            assert.equal(e.key, `${PROJECT}:${key}`);
            assert.ok(e.message.startsWith(`${PROJECT}:${key} `), `message names the key: ${e.message}`);
            assert.ok(e.message.includes(fragment), `"${e.message}" should contain "${fragment}"`);
            assert.ok(!e.message.includes("\n"), "one line");
        });
    }

    it("a region listed in regionZones allows its zones", () => {
        const c = parse("production", ["location=japanwest", "regionZones.japanwest=[\"1\",\"2\",\"3\"]"]);
        assert.deepEqual(c.cluster.zones, ["1", "2", "3"]);
    });
});

describe("secrets", () => {
    // A section that takes a secret, exercised through the schema's secret resolution.
    const { resolveSecrets, SecretRef } = require("../infra/config/kit") as typeof import("../infra/config/kit");
    const ctxOf = (secret: boolean, placeholders = false) => ({ stack: "t", secretFields: new Set(secret ? ["app"] : []), secretPlaceholders: placeholders, placeholders: [] as string[] });
    const resolve = (value: string | undefined, ctx: ReturnType<typeof ctxOf>, rule = {}) => {
        const problems: { key: string; message: string }[] = [];
        const v = resolveSecrets({ dbUri: new SecretRef(value, rule) }, ["app"], "it-ops-infra:", ctx, problems) as { dbUri: unknown };
        return { v: v.dbUri, problems: problems.map((p) => p.message) };
    };

    it("a secret set in plaintext is rejected, naming the key", () => {
        assert.match(resolve("mongodb://u:p@h", ctxOf(false)).problems[0], /^it-ops-infra:app\.dbUri must be set as a secret/);
    });

    it("a missing required secret is an error in a real run and a placeholder in the offline render", async () => {
        assert.match(resolve(undefined, ctxOf(true)).problems[0], /^it-ops-infra:app\.dbUri is required: set it with `pulumi config set --secret/);
        const ctx = ctxOf(true, true);
        const r = resolve(undefined, ctx);
        assert.deepEqual(r.problems, []);
        assert.equal(await (r.v as any).isSecret, true);
        assert.deepEqual(ctx.placeholders, ["it-ops-infra:app.dbUri"]);
    });

    it("a secure: value of a stack file is a secret placeholder offline", async () => {
        const r = resolve(SECURE_PLACEHOLDER, ctxOf(true, true), { pattern: /^mongodb/ });
        assert.deepEqual(r.problems, []);
        assert.equal(await (r.v as any).isSecret, true);
    });

    it("a secret from a secret key is a Pulumi secret", async () => {
        const r = resolve("mongodb://u:p@h", ctxOf(true));
        assert.equal(await (r.v as any).isSecret, true);
        assert.equal(await (r.v as any).promise(), "mongodb://u:p@h");
    });
});

describe("every problem at once (schema-first config, issue 14)", () => {
    function problems(stack: string, sets: string[]): string[] {
        const e = parseError(stack, sets);
        assert.equal(e.problems.length, e.message.split("\n").length);
        assert.equal(e.key, e.problems[0].key);
        return e.message.split("\n");
    }

    it("reports several bad keys of different sections in one error, one line each", () => {
        const lines = problems("production", ["app.replicas=0", "cluster.userPool.maxCount=2000", "monitoring.alerts.cpuPercent=500", "backup.schedule=never", "verification.loadTest.rate=0"]);
        assert.deepEqual(lines, [
            "it-ops-infra:cluster.userPool.maxCount must be an integer <= 1000, got 2000",
            'it-ops-infra:backup.schedule must be a Kubernetes CronJob schedule such as "0 2 * * *" (needs 5 fields (minute hour day-of-month month day-of-week), got 1), got "never"',
            "it-ops-infra:monitoring.alerts.cpuPercent must be a number >= 1 and <= 100, got 500",
            "it-ops-infra:app.replicas must be an integer >= 1 and <= 100, got 0",
            "it-ops-infra:verification.loadTest.rate must be an integer >= 1 and <= 10000, got 0",
        ]);
    });

    it("reports several bad keys of one object, and a missing one, together", () => {
        const lines = problems("production", ["app.ports.http=80", "app.zoneSpread=Sometimes", "app.split=yes", "app.database=null"]);
        assert.deepEqual(lines, [
            "it-ops-infra:app.ports.http must be an integer >= 1024 (the containers run as non-root) and <= 65535, got 80",
            'it-ops-infra:app.split must be true or false, got "yes"',
            'it-ops-infra:app.zoneSpread must be one of DoNotSchedule, ScheduleAnyway, got "Sometimes"',
            "it-ops-infra:app.database is required: an object",
        ]);
    });

    it("names an unknown key, with the keys known there, at any depth and at the root", () => {
        assert.deepEqual(problems("production", ["app.ports.grpc=5000"]), ["it-ops-infra:app.ports.grpc is not a known setting (known here: api, http, metrics)"]);
        const [root] = problems("production", ["colour=blue"]);
        assert.match(root, /^it-ops-infra:colour is not a known setting \(known here: app, backup, cluster, database, location, migration, monitoring, network, protect, regionZones, registry, resourceGroupName, tags, verification\)$/);
    });

    it("a key that is wrong in this mode says where it belongs", () => {
        assert.deepEqual(problems("production", ["monitoring.existingOperator.labels={}"]), ['it-ops-infra:monitoring.existingOperator is only used with monitoring.mode existing-operator, got {"labels":{}}']);
        assert.deepEqual(problems("production", ["monitoring.prometheus.service=prom"]), [
            'it-ops-infra:monitoring.prometheus.service is derived from the chart in monitoring.mode helm (Prometheus runs in monitoring.namespace as its release\'s Service); it is only set in mode existing-operator, got "prom"',
        ]);
    });

    const REMOVED: [string, string][] = [
        ["app.monitoringNamespace=observability", "it-ops-infra:app.monitoringNamespace is no longer a key: the monitoring namespace is set once, in monitoring.namespace (scrapes are admitted from monitoring.prometheus.namespace)"],
        ["verification.dashboardNamespace=monitoring", "it-ops-infra:verification.dashboardNamespace is no longer a key: the report dashboard goes to monitoring.namespace (Grafana's dashboard sidecar reads only there)"],
        ["verification.checks.monitoringNamespace=monitoring", "it-ops-infra:verification.checks.monitoringNamespace is no longer a key: the checks use monitoring.namespace and monitoring.prometheus.namespace"],
        ["verification.checks.prometheusService=prom", "it-ops-infra:verification.checks.prometheusService is no longer a key: Prometheus' Service is derived: monitoring.prometheus.service"],
        ["verification.checks.prometheusPort=9090", "it-ops-infra:verification.checks.prometheusPort is no longer a key: Prometheus' port is derived: monitoring.prometheus.port"],
        ["migration.gate.prometheusNamespace=monitoring", "it-ops-infra:migration.gate.prometheusNamespace is no longer a key: the gate's Prometheus is derived: monitoring.prometheus.namespace (the `prometheus` stack output)"],
        ["migration.gate.prometheusService=prom", "it-ops-infra:migration.gate.prometheusService is no longer a key: the gate's Prometheus is derived: monitoring.prometheus.service (the `prometheus` stack output)"],
    ];
    for (const [set, line] of REMOVED) {
        it(`a removed key names its replacement: ${set.split("=")[0]}`, () => {
            assert.deepEqual(problems("production", [set]), [line]);
        });
    }

    it("the offline render prints every problem as its own error line and exits 2", async () => {
        const r = await synthInProcess(["--stack", "staging", "--quiet", "--set", "app.replicas=0", "--set", "app.monitoringNamespace=x"]);
        assert.equal(r.code, 2, r.stderr);
        assert.deepEqual(r.stderr.trim().split("\n"), [
            "error: it-ops-infra:app.replicas must be an integer >= 1 and <= 100, got 0",
            "error: it-ops-infra:app.monitoringNamespace is no longer a key: the monitoring namespace is set once, in monitoring.namespace (scrapes are admitted from monitoring.prometheus.namespace)",
        ]);
    });
});

describe("monitoring.prometheus: the one derived Prometheus endpoint", () => {
    const OPERATOR = ["monitoring.mode=existing-operator", "monitoring.storageClass=null", "monitoring.prometheus=null", "monitoring.alertmanager=null", "monitoring.grafana=null"];

    it("mode helm: the chart's Service in monitoring.namespace, with the chart's size", () => {
        const p = parse("production", ["monitoring.namespace=observability"]).monitoring.prometheus;
        assert.deepEqual(
            { namespace: p.namespace, service: p.service, port: p.port, url: p.url },
            { namespace: "observability", service: "kube-prometheus-stack-prometheus", port: 9090, url: "http://kube-prometheus-stack-prometheus.observability.svc.cluster.local:9090" },
        );
    });

    it("mode existing-operator: defaults to the operator's Service in monitoring.namespace; each field may be set", () => {
        assert.deepEqual(parse("production", OPERATOR).monitoring.prometheus, { namespace: "monitoring", service: "prometheus-operated", port: 9090, url: "http://prometheus-operated.monitoring.svc.cluster.local:9090" });
        assert.deepEqual(parse("production", [...OPERATOR, 'monitoring.prometheus={"namespace":"obs","service":"prom","port":9091}']).monitoring.prometheus, {
            namespace: "obs",
            service: "prom",
            port: 9091,
            url: "http://prom.obs.svc.cluster.local:9091",
        });
    });

    it("mode existing-operator rejects the chart's sizing keys and bad endpoint values, all at once", () => {
        const e = parseError("production", [...OPERATOR, 'monitoring.prometheus={"replicas":2,"namespace":"Obs","port":0}']);
        assert.deepEqual(e.message.split("\n"), [
            'it-ops-infra:monitoring.prometheus.namespace must be a DNS-1123 label (lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters), got "Obs"',
            "it-ops-infra:monitoring.prometheus.port must be an integer >= 1 and <= 65535, got 0",
            "it-ops-infra:monitoring.prometheus.replicas is only used with monitoring.mode helm (it sizes the project's own kube-prometheus-stack); remove it in mode existing-operator, got 2",
        ]);
    });
});
