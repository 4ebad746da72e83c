/**
 * The `migration` section of the stack configuration: the staged move from the old system to the
 * new one (weighted routing, replica counts, data copy, health-gate thresholds). Declared by
 * {@link migrationSchemas}; read only through `infra/config.ts`.
 *
 * Each `pulumi up` moves one stage: `migration.stage` indexes `migration.steps` (the new system's
 * share of traffic in percent). A rollback is `pulumi config set --path migration.stage 0` + `pulumi up`.
 */
import * as pulumi from "@pulumi/pulumi";
import { DATA_STRATEGIES, DataStrategy, ROUTING_MODES, RoutingMode } from "../../components/migration/weighted-route";
import { z } from "zod";
import { HTTP_PATH } from "../../components/shared/validation";
import { COPY_RUN_ID } from "../../components/migration/data-copy-job";
import { HEADER_NAME, ROUTE_HOST } from "../../components/migration/weighted-route";
import { serviceSeriesSelector } from "../../components/monitoring/service-monitor";
import { DEFAULT_MONGO_IMAGE } from "./backup";
import { bool, dnsLabel, dnsSubdomain, duration, int, list, num, obj, oneOf, optionalSecret, pinnedImage, problem, Resolved, SecretRef, section, str, WHEN_VALID } from "./kit";

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
    readonly targetUri: pulumi.Output<string>;
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

const HEADER_VALUE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;
const MATCHER = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"([^"\\]|\\.)*"\s*`;
const SELECTOR = new RegExp(`^${MATCHER}(,${MATCHER})*$`);

const MONGODB_URI = { pattern: /^mongodb(\+srv)?:\/\/\S+$/, text: "a MongoDB connection string (mongodb:// or mongodb+srv://)" };
/** Defaults of a copy run (applied once `runId` is set: the other keys alone start no copy). */
const COPY_DEFAULTS = { image: DEFAULT_MONGO_IMAGE, timeoutMinutes: 240, databasePorts: [27017] } as const;
const COPY_FIELDS = ["sourceUri", "targetUri", "image", "timeoutMinutes", "databasePorts"] as const;

const stepsSchema = list(int({ min: 0, max: 100 }), { minItems: 2 })
    .default([...DEFAULT_STEPS])
    .superRefine((steps, ctx) => {
        if (steps[0] !== 0) return problem(ctx, [], "must start at 0 (the old system takes all traffic before the migration)", steps);
        if (steps[steps.length - 1] !== 100) return problem(ctx, [], "must end at 100 (the new system takes all traffic at the end)", steps);
        for (let i = 1; i < steps.length; i++) {
            if (steps[i] <= steps[i - 1]) return problem(ctx, [], `must strictly increase (step ${i} is ${steps[i]}, not above ${steps[i - 1]})`, steps);
        }
    }, WHEN_VALID)
    .describe("The new system's share of traffic per stage, in percent (0 first, 100 last, strictly increasing).");

const copySchema = section({
    runId: str({ pattern: COPY_RUN_ID, text: "a run id of 1-20 lower-case letters, digits or '-' (part of the Job name), such as 20260301-1" })
        .optional()
        .describe("Part of the copy Job's name: a new run id is a new, explicit rerun. Without it, no copy runs."),
    sourceUri: optionalSecret(MONGODB_URI).describe("Connection string of the old database (secret; required with runId)."),
    targetUri: optionalSecret(MONGODB_URI).describe("Connection string of the new database (secret; required with runId)."),
    image: pinnedImage()
        .optional()
        .describe("Image with mongodump, mongorestore and mongosh (pinned).")
        .meta({ default: COPY_DEFAULTS.image }),
    timeoutMinutes: int({ min: 10, max: 2880 }).optional().describe("How long `pulumi up` waits for the Job.").meta({ default: COPY_DEFAULTS.timeoutMinutes }),
    databasePorts: list(int({ min: 1, max: 65535 }), { minItems: 1 }).optional().describe("TCP ports of the databases the Job may reach.").meta({ default: COPY_DEFAULTS.databasePorts }),
})
    .superRefine((c, ctx) => {
        if (c.runId !== undefined) return;
        const f = COPY_FIELDS.find((k) => (k === "sourceUri" || k === "targetUri" ? c[k].value !== undefined : c[k] !== undefined));
        if (f) problem(ctx, ["runId"], `is required when migration.copy.${f} is set: a copy runs only for an explicit run id`);
    }, WHEN_VALID)
    .transform((c) =>
        c.runId === undefined
            ? undefined
            : {
                  runId: c.runId,
                  sourceUri: new SecretRef(c.sourceUri.value, MONGODB_URI),
                  targetUri: new SecretRef(c.targetUri.value, MONGODB_URI),
                  image: c.image ?? COPY_DEFAULTS.image,
                  timeoutMinutes: c.timeoutMinutes ?? COPY_DEFAULTS.timeoutMinutes,
                  databasePorts: c.databasePorts ?? [...COPY_DEFAULTS.databasePorts],
              },
    )
    .describe("A data copy run (mongodump | mongorestore + verification) as a Kubernetes Job.");

const full = obj({
    enabled: bool().default(false).describe("Whether the migration is deployed (a prepared section is validated either way)."),
    steps: stepsSchema,
    stage: int({ min: 0 }).default(0).describe("Index into steps: the current stage (<= the last index of steps)."),
    routing: oneOf(ROUTING_MODES).default("gateway").describe("How traffic is split: a Gateway API HTTPRoute or an nginx canary Ingress."),
    dataStrategy: oneOf(DATA_STRATEGIES).default("cutover").describe("cutover: two databases, stages of 0 or 100 % only; shared/synced allow a gradual ramp."),
    hosts: list(str({ pattern: ROUTE_HOST, text: "a fully qualified host name such as itops.example.com" }), { minItems: 1 })
        .superRefine((h, ctx) => {
            if (new Set(h).size !== h.length) problem(ctx, [], "must not repeat a host", h);
        }, WHEN_VALID)
        .describe("Host names of the system."),
    tlsSecretName: dnsSubdomain().optional().describe("TLS Secret of the hosts (Ingress / created Gateway)."),
    gateway: section({
        name: dnsSubdomain().optional().describe("An existing Gateway (with namespace)."),
        namespace: dnsLabel().optional().describe("Namespace of the existing Gateway."),
        className: dnsSubdomain().optional().describe("GatewayClass of a Gateway the migration creates (e.g. approuting-istio)."),
    }).describe("The Gateway the route attaches to (routing gateway)."),
    ingressClassName: dnsSubdomain().default("nginx").describe("IngressClass of the nginx routing mode."),
    oldSystem: obj({
        namespace: dnsLabel().describe("Namespace of the old system."),
        service: dnsLabel().describe("Service of the old system."),
        port: int({ min: 1, max: 65535 }).describe("Service port of the old system."),
        deployment: dnsSubdomain().describe("Deployment of the old system (its replicas are patched)."),
        healthPath: str({ pattern: HTTP_PATH, text: "an absolute URL path such as /healthz" }).default("/").describe("HTTP path of the rollback smoke check."),
    }).describe("The system being replaced (only its replica count is patched)."),
    replicas: section({
        old: int({ min: 1, max: 100 }).default(2).describe("Replicas of the old system while both run."),
        new: int({ min: 1, max: 100 }).default(3).describe("Replicas of the new system while both run (<= app.maxReplicas)."),
    }).describe("Replica counts while both systems run."),
    retireOld: bool().default(false).describe("After the final stage: scale the old system to 0 (the point of no return)."),
    testerHeader: section({
        name: str({ pattern: HEADER_NAME, text: "an HTTP header name such as X-Canary" }).default("X-Canary").describe("Header name."),
        value: str({ pattern: HEADER_VALUE, text: "a printable header value such as always" }).default("always").describe("Header value."),
    }).describe("Requests with this header and value always reach the new system."),
    copy: copySchema,
    gate: section({
        maxErrorRatio: num({ min: 0, max: 1 }).default(0.01).describe("Highest tolerated ratio of 5xx responses of the new system (0-1)."),
        maxP95Seconds: num({ min: 0.001, max: 600 }).default(1).describe("Highest tolerated p95 latency in seconds."),
        window: duration().default("5m").describe("Rate window of the gate queries and the alert."),
        selector: str({ pattern: SELECTOR, text: 'PromQL label matchers such as namespace="production",service="it-ops-system"' })
            .optional()
            .describe("PromQL label matchers selecting the new system's http_requests_total series (stack output migrationGateSelector).")
            .meta({ derivedDefault: 'the new system\'s own series: namespace="<app.namespace>",service="<app.name>"' }),
    }).describe("Thresholds of the health gate of scripts/migrate.sh next and of the level-2 alert."),
}).superRefine((m, ctx) => {
    const last = m.steps.length - 1;
    if (m.stage > last) return problem(ctx, ["stage"], `must be an integer >= 0 and <= ${last} (the last index of steps ${JSON.stringify(m.steps)})`, m.stage);
    const weight = m.steps[m.stage];
    if (m.dataStrategy === "cutover" && weight !== 0 && weight !== 100) {
        // The root problem: the copy that cutover would need above 0 % follows from it.
        return problem(
            ctx,
            ["stage"],
            `selects ${weight} % for the new system, but dataStrategy cutover allows only stages of 0 or 100 %: with two databases any split of traffic splits the writes between them (use dataStrategy shared or synced for a gradual ramp)`,
            m.stage,
        );
    }
    const g = m.gateway;
    if (m.routing === "gateway") {
        if (g.name && g.className) problem(ctx, ["gateway", "className"], "must not be set together with gateway.name (attach to an existing Gateway, or create one for a GatewayClass, not both)", g.className);
        else if (!g.name && !g.className) problem(ctx, ["gateway"], "needs either name + namespace (an existing Gateway) or className (a GatewayClass such as approuting-istio to create one for) when routing is gateway");
        else if (g.name && !g.namespace) problem(ctx, ["gateway", "namespace"], "is required with gateway.name: the namespace of the existing Gateway");
        else if (g.className && g.namespace) problem(ctx, ["gateway", "namespace"], "is only allowed with gateway.name (a created Gateway lives in the new system's namespace)", g.namespace);
    }
    if (!m.tlsSecretName && (m.routing === "nginx" || g.className)) {
        problem(ctx, ["tlsSecretName"], `is required: the TLS Secret of ${m.hosts.join(", ")} for the ${m.routing === "nginx" ? "Ingress" : "created Gateway"}`);
    }
    if (m.retireOld && weight !== 100) {
        problem(ctx, ["retireOld"], `is only allowed at the final stage (100 % to the new system); stage ${m.stage} sends ${100 - weight} % to the old system`, m.retireOld);
    }
    if (m.dataStrategy === "cutover" && weight > 0 && !m.copy) {
        problem(ctx, ["copy"], "is required for dataStrategy cutover above 0 %: traffic moves only after a verified data copy (set migration.copy.runId and the secret URIs)");
    }
}, WHEN_VALID);

/** `migration` holding nothing but `enabled: false` (or absent): not migrating. */
const disabled = obj({ enabled: z.literal(false, { error: "must be true or false" }).default(false).describe("Whether the migration is deployed.") }).prefault({} as never);

/**
 * `it-ops-infra:migration`: `disabled` when the section holds nothing but `enabled: false`, else
 * `full` (a section prepared ahead of time is validated as well, even though nothing of it is deployed yet).
 */
export const migrationSchemas = { disabled, full } as const;

/** What the migration section derives from the app section. */
export interface MigrationContext {
    /** The new system's Service (`app.namespace`, `app.name`): the gate's default series. */
    readonly appService: { readonly namespace: string; readonly service: string };
}

/** The parsed migration: `{ enabled: false }` unless enabled. */
export function finishMigration(m: Resolved<z.output<typeof full>> | { enabled: false }, ctx: MigrationContext): MigrationConfig {
    if (!m.enabled) return { enabled: false };
    const g = m.gateway;
    // Default gate selector: the new system's own series (as its ServiceMonitor labels them), derived from app.*.
    const gate = { ...m.gate, selector: m.gate.selector ?? serviceSeriesSelector(ctx.appService) };
    return { ...m, gate, tlsSecretName: m.tlsSecretName, gateway: { name: g.name, namespace: g.namespace, className: g.className } } as EnabledMigrationConfig;
}
