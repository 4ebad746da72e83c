/**
 * The `migration` section of the stack configuration: the staged move from the old system to the
 * new one (weighted routing, replica counts, data copy, health-gate thresholds). Parsed by
 * {@link parseMigration}; read only through `infra/config.ts`.
 *
 * Each `pulumi up` moves one stage: `migration.stage` indexes `migration.steps` (the new system's
 * share of traffic in percent). A rollback is `pulumi config set --path migration.stage 0` + `pulumi up`.
 */
import * as pulumi from "@pulumi/pulumi";
import { DATA_STRATEGIES, DataStrategy, ROUTING_MODES, RoutingMode } from "../../components/migration/weighted-route";
import { ItemReader, ObjectReader } from "./reader";

export { DATA_STRATEGIES, DataStrategy, ROUTING_MODES, RoutingMode };

/** The new system's share of traffic per stage, in percent. */
export const DEFAULT_STEPS: readonly number[] = [0, 10, 25, 50, 100];

/** The system being replaced (not managed by this program; only its replica count is patched). */
export interface OldSystemConfig {
    readonly namespace: string;
    readonly service: string;
    readonly port: number;
    readonly deployment: string;
    /** HTTP path the rollback smoke check requests through the API server's service proxy. */
    readonly healthPath: string;
}

/** A Gateway to attach the route to: an existing one, or one created for a GatewayClass. */
export interface GatewayConfig {
    /** Existing Gateway (with `namespace`); absent when `className` is given. */
    readonly name?: string;
    readonly namespace?: string;
    /** GatewayClass of a Gateway the migration creates (e.g. `approuting-istio`). */
    readonly className?: string;
}

/** A data copy run (mongodump | mongorestore + verification) as a Kubernetes Job. */
export interface CopyConfig {
    /** Part of the Job's name: a new run id is a new, explicit rerun. */
    readonly runId: string;
    readonly sourceUri: pulumi.Output<string>;
    /** Absent with `database.mode managed`: the stack's MongoDatabase is the target. */
    readonly targetUri?: pulumi.Output<string>;
    /** Image with mongodump, mongorestore and mongosh; pinned tag. */
    readonly image: string;
    /** How long `pulumi up` waits for the Job (and its activeDeadlineSeconds). */
    readonly timeoutMinutes: number;
    /** TCP ports of the databases the Job may reach. */
    readonly databasePorts: readonly number[];
}

/** Thresholds of the health gate of `scripts/migrate.sh next` and of the level-2 alert. */
export interface GateConfig {
    /** Highest tolerated ratio of 5xx responses of the new system (0-1). */
    readonly maxErrorRatio: number;
    /** Highest tolerated p95 latency in seconds (checked when the histogram is exported). */
    readonly maxP95Seconds: number;
    /** Rate window of the gate queries and the alert. */
    readonly window: string;
    /** PromQL label matchers selecting the new system's `http_requests_total` series. */
    readonly selector: string;
    readonly prometheusNamespace: string;
    readonly prometheusService: string;
}

export interface EnabledMigrationConfig {
    readonly enabled: true;
    readonly steps: readonly number[];
    readonly stage: number;
    readonly routing: RoutingMode;
    readonly dataStrategy: DataStrategy;
    readonly hosts: readonly string[];
    /** TLS Secret of the hosts (Ingress / created Gateway); absent for an existing Gateway. */
    readonly tlsSecretName?: string;
    readonly gateway: GatewayConfig;
    /** IngressClass of the nginx routing mode. */
    readonly ingressClassName: string;
    readonly oldSystem: OldSystemConfig;
    /** Replica counts while both systems run. */
    readonly replicas: { readonly old: number; readonly new: number };
    /** After the final stage: scale the old system to 0 (the point of no return). */
    readonly retireOld: boolean;
    /** Requests with this header and value always reach the new system. */
    readonly testerHeader: { readonly name: string; readonly value: string };
    readonly copy?: CopyConfig;
    readonly gate: GateConfig;
}

export type MigrationConfig = { readonly enabled: false } | EnabledMigrationConfig;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const HEADER_VALUE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;
const MATCHER = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"([^"\\]|\\.)*"\s*`;
const SELECTOR = new RegExp(`^${MATCHER}(,${MATCHER})*$`);
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
const RUN_ID = /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/;

function parseSteps(r: ObjectReader): number[] {
    const steps = r.array("steps", (i: ItemReader) => i.integer({ min: 0, max: 100 }), { default: [...DEFAULT_STEPS], minItems: 2 });
    if (steps[0] !== 0) throw r.fail("steps", "must start at 0 (the old system takes all traffic before the migration)", steps);
    if (steps[steps.length - 1] !== 100) throw r.fail("steps", "must end at 100 (the new system takes all traffic at the end)", steps);
    for (let i = 1; i < steps.length; i++) {
        if (steps[i] <= steps[i - 1]) throw r.fail("steps", `must strictly increase (step ${i} is ${steps[i]}, not above ${steps[i - 1]})`, steps);
    }
    return steps;
}

function parseOldSystem(r: ObjectReader): OldSystemConfig {
    const o: OldSystemConfig = {
        namespace: r.dnsLabel("namespace"),
        service: r.dnsLabel("service"),
        port: r.integer("port", { min: 1, max: 65535 }),
        deployment: r.dnsSubdomain("deployment"),
        healthPath: r.string("healthPath", { default: "/", pattern: HTTP_PATH, patternText: "an absolute URL path such as /healthz" }),
    };
    r.done();
    return o;
}

function parseGateway(r: ObjectReader, routing: RoutingMode): GatewayConfig {
    const g: GatewayConfig = {
        name: r.has("name") ? r.dnsSubdomain("name") : undefined,
        namespace: r.has("namespace") ? r.dnsLabel("namespace") : undefined,
        className: r.has("className") ? r.dnsSubdomain("className") : undefined,
    };
    if (routing === "gateway") {
        if (g.name && g.className) throw r.fail("className", "must not be set together with gateway.name (attach to an existing Gateway, or create one for a GatewayClass, not both)", g.className);
        if (!g.name && !g.className) throw r.fail("", "needs either name + namespace (an existing Gateway) or className (a GatewayClass such as approuting-istio to create one for) when routing is gateway");
        if (g.name && !g.namespace) throw r.fail("namespace", "is required with gateway.name: the namespace of the existing Gateway");
        if (g.className && g.namespace) throw r.fail("namespace", "is only allowed with gateway.name (a created Gateway lives in the new system's namespace)", g.namespace);
    }
    r.done();
    return g;
}

function parseGate(r: ObjectReader): GateConfig {
    const g: GateConfig = {
        maxErrorRatio: r.number("maxErrorRatio", { default: 0.01, min: 0, max: 1 }),
        maxP95Seconds: r.number("maxP95Seconds", { default: 1, min: 0.001, max: 600 }),
        window: r.duration("window", { default: "5m" }),
        selector: r.string("selector", {
            default: 'namespace="production",service="it-ops-system"',
            pattern: SELECTOR,
            patternText: 'PromQL label matchers such as namespace="production",service="it-ops-system"',
        }),
        prometheusNamespace: r.dnsLabel("prometheusNamespace", { default: "monitoring" }),
        prometheusService: r.dnsLabel("prometheusService", { default: "kube-prometheus-stack-prometheus" }),
    };
    r.done();
    return g;
}

function parseCopy(r: ObjectReader, managedDatabase: boolean): CopyConfig | undefined {
    if (!r.has("runId")) {
        for (const f of ["sourceUri", "targetUri", "image", "timeoutMinutes", "databasePorts"]) {
            if (r.has(f)) throw r.fail("runId", `is required when migration.copy.${f} is set: a copy runs only for an explicit run id`);
        }
        r.done();
        return undefined;
    }
    const runId = r.string("runId", { pattern: RUN_ID, patternText: "a run id of 1-20 lower-case letters, digits or '-' (part of the Job name), such as 20260301-1" });
    const image = r.string("image", { default: "mongo:7.0.14", pattern: IMAGE, patternText: "an image reference with a pinned tag or digest, such as myacr.azurecr.io/mongo:7.0.14" });
    if (/:latest$/.test(image)) throw r.fail("image", "must be pinned to a version tag or digest, not latest", image);
    const copy: CopyConfig = {
        runId,
        sourceUri: r.secretString("sourceUri", { pattern: /^mongodb(\+srv)?:\/\/\S+$/, patternText: "a MongoDB connection string (mongodb:// or mongodb+srv://)" })!,
        // With database.mode managed the target is the stack's MongoDatabase (`targetUri` is rejected before).
        targetUri: managedDatabase ? undefined : r.secretString("targetUri", { pattern: /^mongodb(\+srv)?:\/\/\S+$/, patternText: "a MongoDB connection string (mongodb:// or mongodb+srv://)" })!,
        image,
        timeoutMinutes: r.integer("timeoutMinutes", { default: 240, min: 10, max: 2880 }),
        databasePorts: r.array("databasePorts", (i) => i.integer({ min: 1, max: 65535 }), { default: [27017], minItems: 1 }),
    };
    r.done();
    return copy;
}

/** Parses `migration` (the reader of that object). `{ enabled: false }` unless enabled. */
export function parseMigration(r: ObjectReader, managedDatabase = false): MigrationConfig {
    const enabled = r.boolean("enabled", { default: false });
    // A section prepared ahead of time is validated as well, even though nothing of it is deployed yet.
    if (!enabled && r.fields().every((f) => f === "enabled")) {
        r.done();
        return { enabled: false };
    }
    const steps = parseSteps(r);
    const stage = r.integer("stage", { default: 0, min: 0, max: steps.length - 1, maxText: `${steps.length - 1} (the last index of steps ${JSON.stringify(steps)})` });
    const routing = r.enum("routing", ROUTING_MODES, { default: "gateway" });
    const dataStrategy = r.enum("dataStrategy", DATA_STRATEGIES, { default: "cutover" });
    const weight = steps[stage];
    if (dataStrategy === "cutover" && weight !== 0 && weight !== 100) {
        throw r.fail(
            "stage",
            `selects ${weight} % for the new system, but dataStrategy cutover allows only stages of 0 or 100 %: with two databases any split of traffic splits the writes between them (use dataStrategy shared or synced for a gradual ramp)`,
            stage,
        );
    }
    const hosts = r.array("hosts", (i) => i.string({ pattern: /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, patternText: "a fully qualified host name such as itops.example.com" }), { minItems: 1 });
    if (new Set(hosts).size !== hosts.length) throw r.fail("hosts", "must not repeat a host", hosts);
    const gateway = parseGateway(r.object("gateway"), routing);
    const tlsSecretName = r.has("tlsSecretName") ? r.dnsSubdomain("tlsSecretName") : undefined;
    if (!tlsSecretName && (routing === "nginx" || gateway.className)) {
        throw r.fail("tlsSecretName", `is required: the TLS Secret of ${hosts.join(", ")} for the ${routing === "nginx" ? "Ingress" : "created Gateway"}`);
    }
    const ingressClassName = r.dnsSubdomain("ingressClassName", { default: "nginx" });
    const oldSystem = parseOldSystem(r.object("oldSystem", { required: true }));
    const rep = r.object("replicas");
    const replicas = { old: rep.integer("old", { default: 2, min: 1, max: 100 }), new: rep.integer("new", { default: 3, min: 1, max: 100 }) };
    rep.done();
    const retireOld = r.boolean("retireOld", { default: false });
    if (retireOld && weight !== 100) {
        throw r.fail("retireOld", `is only allowed at the final stage (100 % to the new system); stage ${stage} sends ${100 - weight} % to the old system`, retireOld);
    }
    const th = r.object("testerHeader");
    const testerHeader = {
        name: th.string("name", { default: "X-Canary", pattern: HEADER_NAME, patternText: "an HTTP header name such as X-Canary" }),
        value: th.string("value", { default: "always", pattern: HEADER_VALUE, patternText: "a printable header value such as always" }),
    };
    th.done();
    const copy = parseCopy(r.object("copy"), managedDatabase);
    if (dataStrategy === "cutover" && weight > 0 && !copy) {
        throw r.fail("copy", "is required for dataStrategy cutover above 0 %: traffic moves only after a verified data copy (set migration.copy.runId and the secret URIs)");
    }
    const gate = parseGate(r.object("gate"));
    r.done();
    if (!enabled) return { enabled: false };
    return { enabled, steps, stage, routing, dataStrategy, hosts, tlsSecretName, gateway, ingressClassName, oldSystem, replicas, retireOld, testerHeader, copy, gate };
}
