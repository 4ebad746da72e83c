/**
 * The `migration` config section: defaults, and one bad input for every validation rule.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../infra/config";
import { placeholdersExcept } from "./fixtures/stack-config";
import { EnabledMigrationConfig } from "../infra/config/migration";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { PROJECT_DIR, synthInProcess } from "./helpers";

const BASE = ["migration.enabled=true", "migration.dataStrategy=shared"];

function parse(sets: string[], opts: { placeholders?: boolean; secret?: boolean; stack?: string } = {}) {
    let raw = readStackFile(path.join(PROJECT_DIR, `Pulumi.${opts.stack ?? "production"}.yaml`));
    for (const s of sets) raw = applySet(raw, s);
    const secretKeys = new Set(raw.secretKeys);
    if (opts.secret) secretKeys.add("it-ops-infra:migration");
    return parseStackConfig(opts.stack ?? "production", toRuntimeConfig(raw), secretKeys, { secretPlaceholders: opts.placeholders ?? placeholdersExcept("migration") }).config.migration;
}

function enabled(sets: string[], opts?: Parameters<typeof parse>[1]): EnabledMigrationConfig {
    const m = parse(sets, opts);
    assert.ok(m.enabled);
    return m as EnabledMigrationConfig;
}

function rejects(sets: string[], message: RegExp, opts?: Parameters<typeof parse>[1]): void {
    assert.throws(() => parse(sets, opts), (e: unknown) => {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        assert.match((e as Error).message, message);
        return true;
    });
}

const COPY = ["migration.copy.runId=20260301-1", "migration.copy.sourceUri=mongodb://old-db:27017", "migration.copy.targetUri=mongodb+srv://new.example.com"];

describe("migration config", () => {
    it("is off by default (staging) and in the production stack file", () => {
        assert.deepEqual(parse([], { stack: "staging" }), { enabled: false });
        assert.deepEqual(parse([]), { enabled: false });
    });

    it("resolves the defaults of an enabled migration", () => {
        const m = enabled(["migration.enabled=true"]);
        assert.deepEqual(m.steps, [0, 10, 25, 50, 100]);
        assert.equal(m.stage, 0);
        assert.equal(m.routing, "gateway");
        assert.equal(m.dataStrategy, "cutover");
        assert.deepEqual(m.replicas, { old: 2, new: 3 });
        assert.equal(m.retireOld, false);
        assert.deepEqual(m.testerHeader, { name: "X-Canary", value: "always" });
        assert.equal(m.copy, undefined);
        assert.deepEqual(m.gateway, { name: undefined, namespace: undefined, className: "approuting-istio" });
        assert.deepEqual(m.oldSystem, { namespace: "legacy", service: "old-system", port: 80, deployment: "old-system", healthPath: "/" });
        assert.deepEqual(m.gate, {
            maxErrorRatio: 0.01,
            maxP95Seconds: 1,
            window: "5m",
            selector: 'namespace="production",service="it-ops-system"',
        });
    });

    it("gate.selector defaults to the new system's own series, derived from app.namespace and app.name", () => {
        assert.equal(enabled([...BASE, "app.namespace=apps", "app.name=web"]).gate.selector, 'namespace="apps",service="web"');
        assert.equal(enabled([...BASE, "app.namespace=apps", 'migration.gate.selector=job="new"']).gate.selector, 'job="new"');
    });

    it("accepts every stage of the default steps with shared and synced", () => {
        for (const strategy of ["shared", "synced"]) {
            for (let stage = 0; stage < 5; stage++) {
                assert.equal(enabled(["migration.enabled=true", `migration.dataStrategy=${strategy}`, `migration.stage=${stage}`]).stage, stage);
            }
        }
    });

    it("accepts cutover at 0 % and, with a copy, at 100 %", () => {
        assert.equal(enabled(["migration.enabled=true", "migration.stage=0"]).stage, 0);
        const m = enabled(["migration.enabled=true", "migration.stage=4", ...COPY], { secret: true });
        assert.equal(m.copy?.runId, "20260301-1");
        assert.ok(pulumi.Output.isInstance(m.copy?.sourceUri));
        assert.equal(m.copy?.image, "mongo:7.0.14");
        assert.equal(m.copy?.timeoutMinutes, 240);
        assert.deepEqual(m.copy?.databasePorts, [27017]);
    });

    const bad: [string, string[], RegExp][] = [
        ["steps not starting at 0", [...BASE, "migration.steps=[5,50,100]"], /migration\.steps must start at 0/],
        ["steps not ending at 100", [...BASE, "migration.steps=[0,50,90]"], /migration\.steps must end at 100/],
        ["steps not strictly increasing", [...BASE, "migration.steps=[0,50,50,100]"], /migration\.steps must strictly increase/],
        ["steps out of percent range", [...BASE, "migration.steps=[0,150,100]"], /migration\.steps\[1\] must be an integer >= 0 and <= 100/],
        ["a single step", [...BASE, "migration.steps=[100]"], /migration\.steps must have at least 2/],
        ["stage above the last index", [...BASE, "migration.stage=5"], /migration\.stage must be an integer >= 0 and <= 4 \(the last index of steps/],
        ["negative stage", [...BASE, "migration.stage=-1"], /migration\.stage must be an integer >= 0/],
        ["cutover at an intermediate weight", ["migration.enabled=true", "migration.stage=1"], /migration\.stage selects 10 % .*cutover allows only stages of 0 or 100 %.*splits the writes/],
        ["cutover above 0 without a copy", ["migration.enabled=true", "migration.stage=4"], /migration\.copy is required for dataStrategy cutover above 0 %/],
        ["unknown data strategy", ["migration.enabled=true", "migration.dataStrategy=dual"], /migration\.dataStrategy must be one of cutover, shared, synced, got "dual"/],
        ["unknown routing", [...BASE, "migration.routing=traefik"], /migration\.routing must be one of gateway, nginx/],
        ["no hosts", [...BASE, "migration.hosts=[]"], /migration\.hosts must have at least 1/],
        ["a bad host", [...BASE, "migration.hosts=[\"Not A Host\"]"], /migration\.hosts\[0\] must be a fully qualified host name/],
        ["a repeated host", [...BASE, 'migration.hosts=["a.example.com","a.example.com"]'], /migration\.hosts must not repeat/],
        ["gateway name and className", [...BASE, "migration.gateway.name=gw", "migration.gateway.namespace=gw"], /migration\.gateway\.className must not be set together with gateway\.name/],
        ["neither gateway name nor className", [...BASE, "migration.gateway={}"], /migration\.gateway needs either name \+ namespace/],
        ["gateway name without namespace", [...BASE, 'migration.gateway={"name":"shared-gw"}'], /migration\.gateway\.namespace is required with gateway\.name/],
        ["namespace with a created gateway", [...BASE, "migration.gateway.namespace=gw"], /migration\.gateway\.namespace is only allowed with gateway\.name/],
        ["no TLS secret for nginx", [...BASE, "migration.routing=nginx", "migration.tlsSecretName=null"], /migration\.tlsSecretName is required/],
        ["no TLS secret for a created gateway", [...BASE, "migration.tlsSecretName=null"], /migration\.tlsSecretName is required/],
        ["bad ingress class", [...BASE, "migration.ingressClassName=Nginx_"], /migration\.ingressClassName must be a DNS-1123 subdomain/],
        ["no old system", [...BASE, "migration.oldSystem=null"], /migration\.oldSystem is required/],
        ["bad old namespace", [...BASE, "migration.oldSystem.namespace=Legacy"], /migration\.oldSystem\.namespace must be a DNS-1123 label/],
        ["bad old service", [...BASE, "migration.oldSystem.service=old_system"], /migration\.oldSystem\.service must be a DNS-1123 label/],
        ["bad old port", [...BASE, "migration.oldSystem.port=70000"], /migration\.oldSystem\.port must be an integer >= 1 and <= 65535/],
        ["missing old deployment", [...BASE, "migration.oldSystem.deployment=null"], /migration\.oldSystem\.deployment is required/],
        ["bad health path", [...BASE, "migration.oldSystem.healthPath=health"], /migration\.oldSystem\.healthPath must be an absolute URL path/],
        ["zero old replicas", [...BASE, "migration.replicas.old=0"], /migration\.replicas\.old must be an integer >= 1/],
        ["zero new replicas", [...BASE, "migration.replicas.new=0"], /migration\.replicas\.new must be an integer >= 1/],
        ["retireOld before the final stage", [...BASE, "migration.stage=3", "migration.retireOld=true"], /migration\.retireOld is only allowed at the final stage/],
        ["bad tester header name", [...BASE, "migration.testerHeader.name=X Canary"], /migration\.testerHeader\.name must be an HTTP header name/],
        ["empty tester header value", [...BASE, 'migration.testerHeader.value=""'], /migration\.testerHeader\.value must be a printable header value/],
        ["copy fields without a run id", [...BASE, "migration.copy.image=mongo:7.0.14"], /migration\.copy\.runId is required when migration\.copy\.image is set/],
        ["bad run id", [...BASE, "migration.copy.runId=Run_1", "migration.copy.sourceUri=x"], /migration\.copy\.runId must be a run id/],
        ["a copy without a source URI", [...BASE, "migration.copy.runId=r1", "migration.copy.targetUri=mongodb://t"], /migration\.copy\.sourceUri is required: set it with `pulumi config set --secret/],
        ["a copy without a target URI", [...BASE, "migration.copy.runId=r1", "migration.copy.sourceUri=mongodb://s"], /migration\.copy\.targetUri is required/],
        ["an unpinned copy image", [...BASE, ...COPY, "migration.copy.image=mongo"], /migration\.copy\.image must be a pinned image reference .*: no tag/],
        ["a latest copy image", [...BASE, ...COPY, "migration.copy.image=mongo:latest"], /migration\.copy\.image must be a pinned image reference .*: the tag latest floats/],
        ["a too short copy timeout", [...BASE, ...COPY, "migration.copy.timeoutMinutes=1"], /migration\.copy\.timeoutMinutes must be an integer >= 10/],
        ["a bad database port", [...BASE, ...COPY, "migration.copy.databasePorts=[0]"], /migration\.copy\.databasePorts\[0\] must be an integer >= 1/],
        ["error ratio above 1", [...BASE, "migration.gate.maxErrorRatio=1.5"], /migration\.gate\.maxErrorRatio must be a number >= 0 and <= 1/],
        ["p95 of 0", [...BASE, "migration.gate.maxP95Seconds=0"], /migration\.gate\.maxP95Seconds must be a number >= 0.001/],
        ["bad window", [...BASE, "migration.gate.window=five minutes"], /migration\.gate\.window must be a duration/],
        ["bad selector", [...BASE, "migration.gate.selector=service=it-ops"], /migration\.gate\.selector must be PromQL label matchers/],
        ["removed gate.prometheusService", [...BASE, "migration.gate.prometheusService=prom"], /^it-ops-infra:migration\.gate\.prometheusService is no longer a key: the gate's Prometheus is derived: monitoring\.prometheus\.service/],
        ["removed gate.prometheusNamespace", [...BASE, "migration.gate.prometheusNamespace=monitoring"], /^it-ops-infra:migration\.gate\.prometheusNamespace is no longer a key: the gate's Prometheus is derived: monitoring\.prometheus\.namespace/],
        ["an unknown key", [...BASE, "migration.weights=[0,100]"], /migration\.weights is not a known setting/],
        ["an unknown key in a nested object", [...BASE, "migration.oldSystem.replicas=2"], /migration\.oldSystem\.replicas is not a known setting/],
        ["enabled not a boolean", ["migration.enabled=yes"], /migration\.enabled must be true or false/],
    ];
    for (const [what, sets, message] of bad) {
        it(`rejects ${what}`, () => rejects(sets, message, { secret: true }));
    }

    it("validates a section prepared ahead of time even while it is disabled", () => {
        rejects(["migration.stage=1"], /migration\.stage selects 10 %.*splits the writes/);
        assert.deepEqual(parse(["migration.stage=4", "migration.dataStrategy=shared"]), { enabled: false });
    });

    it("makes the offline render exit 2 for cutover at 10 % with one line about split writes", async () => {
        const r = await synthInProcess(["--stack", "production", "--set", "migration.stage=1", "--quiet"]);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr.trim().split("\n").length, 1);
        assert.match(r.stderr, /^error: it-ops-infra:migration\.stage selects 10 % for the new system, but dataStrategy cutover allows only stages of 0 or 100 %: with two databases any split of traffic splits the writes between them/);
    });

    it("rejects copy URIs set in plaintext", () => {
        rejects([...BASE, ...COPY], /migration\.copy\.sourceUri must be set as a secret/);
    });

    it("gives a missing copy URI a placeholder only in the offline render", () => {
        const m = enabled([...BASE, "migration.copy.runId=r1"], { placeholders: true });
        assert.ok(pulumi.Output.isInstance(m.copy?.sourceUri));
    });
});

describe("migration replicas against the workload's autoscaler", () => {
    it("rejects migration.replicas.new above app.maxReplicas (the workload could not run it), naming the key", () => {
        rejects([...BASE, "app.maxReplicas=2", "app.replicas=1"], /^it-ops-infra:migration\.replicas\.new must not exceed app\.maxReplicas \(2\): the new system runs that many replicas during the migration, got 3$/);
        assert.doesNotThrow(() => enabled([...BASE, "app.maxReplicas=2", "app.replicas=1", "migration.replicas.new=2"]));
    });
});
