/**
 * The `app` config section: defaults, stack values and every validation rule with bad input.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig, StackConfig } from "../infra/config";
import { stackConfigFor } from "../tools/render/render";
import { toRuntimeConfig } from "../tools/render/stack-file";
import { synthInProcess } from "./helpers";

/** Parses a stack's config with `--set` style overrides (secrets as placeholders, as the render). */
function parse(stack: string, sets: string[] = [], secretKeys: string[] = []): StackConfig {
    const raw = stackConfigFor({ stack, sets });
    const keys = new Set([...raw.secretKeys, ...secretKeys]);
    return parseStackConfig(stack, toRuntimeConfig(raw), keys, { secretPlaceholders: true }).config;
}

function rejects(stack: string, sets: string[], key: string, message: RegExp): void {
    assert.throws(
        () => parse(stack, sets),
        (e: unknown) => {
            assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
            assert.equal(e.key, key);
            assert.match(e.message, message);
            assert.ok(e.message.startsWith(key), `the message names the key first: ${e.message}`);
            return true;
        },
    );
}

describe("app config: stack values", () => {
    it("production: namespace production, 3 replicas, pinned images, DB egress, no public LB", () => {
        const a = parse("production").app;
        assert.equal(a.namespace, "production");
        assert.equal(a.name, "it-ops-system");
        assert.equal(a.replicas, 3);
        assert.equal(a.maxReplicas, 12);
        assert.equal(a.cpuTargetPercent, 70);
        assert.deepEqual(a.frontend.image, { repository: "it-ops/frontend", tag: "1.0.0" });
        assert.deepEqual(a.backend.image, { repository: "it-ops/backend", tag: "1.0.0" });
        assert.deepEqual(a.ports, { http: 8080, api: 3000, metrics: 9090 });
        assert.equal(a.split, false);
        assert.equal(a.zoneSpread, "DoNotSchedule");
        assert.deepEqual(a.database.cidrs, ["10.20.8.0/24"]);
        assert.equal(a.database.port, 27017);
        assert.equal(a.allowPublicLoadBalancer, false);
        assert.deepEqual(a.backend.resources, { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } });
    });

    it("staging: namespace staging, 2 replicas, best-effort zone spread (no zones)", () => {
        const a = parse("staging").app;
        assert.equal(a.namespace, "staging");
        assert.equal(a.replicas, 2);
        assert.equal(a.maxReplicas, 4);
        assert.equal(a.zoneSpread, "ScheduleAnyway");
    });

    it("defaults: probes, resources, writable paths and ingress namespaces", () => {
        const a = parse("production", ["app.replicas=4", "app.maxReplicas=null"]).app;
        assert.equal(a.maxReplicas, 12, "maxReplicas defaults to 3 x replicas");
        assert.deepEqual(a.frontend.probes, { readiness: "/healthz/ready", liveness: "/healthz/live", startup: "/healthz/live" });
        assert.deepEqual(a.frontend.writablePaths, ["/tmp"]);
        assert.deepEqual(a.ingressNamespaces, ["app-routing-system"]);
        assert.equal(a.runAsUser, 10001);
    });

    it("accepts a digest instead of a tag, and tag plus digest", () => {
        const d = "sha256:" + "a".repeat(64);
        assert.deepEqual(parse("production", ["app.frontend.tag=null", `app.frontend.digest=${d}`]).app.frontend.image, { repository: "it-ops/frontend", digest: d });
        assert.deepEqual(parse("production", [`app.backend.digest=${d}`]).app.backend.image, { repository: "it-ops/backend", tag: "1.0.0", digest: d });
    });

    it("the database URI is a secret (placeholder in the offline render), never plaintext", async () => {
        const a = parse("production").app;
        assert.equal(await (a.database.uri as any).isSecret, true);
    });
});

describe("app config: every rule rejects bad input naming the key", () => {
    const cases: [string, string[], string, RegExp][] = [
        ["latest tag", ["app.frontend.tag=latest"], "it-ops-infra:app.frontend.tag", /must not be latest/],
        ["LATEST tag", ["app.backend.tag=LATEST"], "it-ops-infra:app.backend.tag", /must not be latest/],
        ["empty tag", ['app.frontend.tag=""'], "it-ops-infra:app.frontend.tag", /pinned version tag/],
        ["untagged (tag removed)", ["app.frontend.tag=null"], "it-ops-infra:app.frontend.tag", /is required \(or digest\)/],
        ["bad tag characters", ["app.frontend.tag=1.0 beta"], "it-ops-infra:app.frontend.tag", /pinned version tag/],
        ["numeric tag (unquoted YAML)", ["app.frontend.tag=2"], "it-ops-infra:app.frontend.tag", /pinned version tag/],
        ["bad digest", ["app.frontend.digest=sha256:abc"], "it-ops-infra:app.frontend.digest", /sha256:<64/],
        ["repository with registry host", ["app.frontend.repository=evil.io/x"], "it-ops-infra:app.frontend.repository", /repository path/],
        ["repository with a tag in it", ["app.backend.repository=it-ops/backend:1.0"], "it-ops-infra:app.backend.repository", /repository path/],
        ["upper-case repository", ["app.backend.repository=It-Ops/backend"], "it-ops-infra:app.backend.repository", /repository path/],
        ["missing frontend", ["app.frontend=null"], "it-ops-infra:app.frontend", /is required/],
        ["bad namespace", ["app.namespace=Production"], "it-ops-infra:app.namespace", /DNS-1123 label/],
        ["bad name", ["app.name=it_ops"], "it-ops-infra:app.name", /DNS-1123 label/],
        ["too long name", [`app.name=${"a".repeat(51)}`], "it-ops-infra:app.name", /at most 50/],
        ["zero replicas", ["app.replicas=0"], "it-ops-infra:app.replicas", />= 1/],
        ["fractional replicas", ["app.replicas=2.5"], "it-ops-infra:app.replicas", /integer/],
        ["maxReplicas below replicas", ["app.maxReplicas=2"], "it-ops-infra:app.maxReplicas", />= replicas \(3\)/],
        ["cpu target too low", ["app.cpuTargetPercent=5"], "it-ops-infra:app.cpuTargetPercent", />= 10/],
        ["privileged port", ["app.ports.http=80"], "it-ops-infra:app.ports.http", />= 1024/],
        ["port clash", ["app.ports.api=8080"], "it-ops-infra:app.ports.api", /must differ from http/],
        ["metrics port clash", ["app.ports.metrics=3000"], "it-ops-infra:app.ports.metrics", /must differ/],
        ["unknown port", ["app.ports.grpc=5000"], "it-ops-infra:app.ports.grpc", /not a known setting/],
        ["bad probe path", ["app.frontend.probes.readiness=healthz"], "it-ops-infra:app.frontend.probes.readiness", /HTTP path/],
        ["bad cpu quantity", ["app.frontend.resources.requests.cpu=lots"], "it-ops-infra:app.frontend.resources.requests.cpu", /CPU quantity/],
        ["bad memory quantity", ["app.backend.resources.limits.memory=1G"], "it-ops-infra:app.backend.resources.limits.memory", /memory quantity/],
        ["request above limit", ["app.backend.resources.requests.cpu=3"], "it-ops-infra:app.backend.resources.requests.cpu", /<= limits.cpu \(2\)/],
        ["relative writable path", ['app.frontend.writablePaths=["tmp"]'], "it-ops-infra:app.frontend.writablePaths[0]", /absolute path/],
        ["bad zone spread", ["app.zoneSpread=Sometimes"], "it-ops-infra:app.zoneSpread", /DoNotSchedule, ScheduleAnyway/],
        ["root uid", ["app.runAsUser=0"], "it-ops-infra:app.runAsUser", /never root/],
        ["split not boolean", ["app.split=yes"], "it-ops-infra:app.split", /true or false/],
        ["empty ingress namespaces", ["app.ingressNamespaces=[]"], "it-ops-infra:app.ingressNamespaces", /at least 1/],
        ["bad ingress namespace", ['app.ingressNamespaces=["Gateway"]'], "it-ops-infra:app.ingressNamespaces[0]", /namespace name/],
        ["ingress namespace over 63 characters", [`app.ingressNamespaces=["${"a".repeat(64)}"]`], "it-ops-infra:app.ingressNamespaces[0]", /namespace name, a DNS-1123 label .*at most 63 characters/],
        ["removed monitoringNamespace", ["app.monitoringNamespace=monitoring"], "it-ops-infra:app.monitoringNamespace", /^it-ops-infra:app\.monitoringNamespace is no longer a key: the monitoring namespace is set once, in monitoring\.namespace/],
        ["missing database", ["app.database=null"], "it-ops-infra:app.database", /is required/],
        ["no database CIDRs", ["app.database.cidrs=[]"], "it-ops-infra:app.database.cidrs", /at least 1/],
        ["host name instead of CIDR", ['app.database.cidrs=["db.example.com"]'], "it-ops-infra:app.database.cidrs[0]", /IPv4 CIDR/],
        ["out-of-range CIDR", ['app.database.cidrs=["10.0.0.300/24"]'], "it-ops-infra:app.database.cidrs[0]", /IPv4 CIDR/],
        ["egress everywhere", ['app.database.cidrs=["0.0.0.0/0"]'], "it-ops-infra:app.database.cidrs[0]", /database endpoint only/],
        ["bad database port", ["app.database.port=70000"], "it-ops-infra:app.database.port", /<= 65535/],
        ["plaintext database URI", ["app.database.uri=mongodb://u:p@db:27017/itops"], "it-ops-infra:app.database.uri", /must be set as a secret/],
        ["allowPublicLoadBalancer not boolean", ["app.allowPublicLoadBalancer=1"], "it-ops-infra:app.allowPublicLoadBalancer", /true or false/],
        ["unknown key", ["app.replica=3"], "it-ops-infra:app.replica", /not a known setting/],
        ["unknown image key", ["app.frontend.image=x"], "it-ops-infra:app.frontend.image", /not a known setting/],
    ];
    for (const [what, sets, key, message] of cases) {
        it(what, () => rejects("production", sets, key, message));
    }

    it("a missing app section is an error", () => rejects("production", ["app=null"], "it-ops-infra:app", /is required/));
});

describe("synth command: a floating or missing image tag exits 2 naming the key", () => {
    const cases: [string[], RegExp][] = [
        [["--set", "app.frontend.tag=latest"], /^error: it-ops-infra:app\.frontend\.tag must not be latest/],
        [["--set", "app.backend.tag=null"], /^error: it-ops-infra:app\.backend\.tag is required/],
        [["--set", 'app.frontend.tag=""'], /^error: it-ops-infra:app\.frontend\.tag must be a pinned version tag/],
    ];
    for (const [args, message] of cases) {
        it(args.join(" "), async () => {
            const r = await synthInProcess(["--stack", "production", ...args]);
            assert.equal(r.code, 2, r.stderr);
            assert.match(r.stderr, message);
            assert.equal(r.stderr.trim().split("\n").length, 1, "one line on stderr");
        });
    }
});
