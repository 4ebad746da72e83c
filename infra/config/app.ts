/**
 * The `app` section of the stack configuration: the IT-Ops system workload (namespace, images,
 * replicas and autoscaling, ports, probes, resources, network allows, the database endpoint and
 * its URI secret). Declared by {@link appSchema}; read only through `infra/config.ts`.
 */
import { z } from "zod";
import {
    ABSOLUTE_PATH,
    ComputeResources,
    HTTP_PATH,
    imageRefProblems,
    resourceProblems,
    SPREAD_MODES,
} from "../../components/app/app-spec";
import { cidrContains } from "../../components/platform/network";
import { bool, dnsLabel, IPV4_CIDR, isIpv4Cidr, dnsLabelItem, int, list, maybeParseContext, obj, oneOf, problem, Resolved, secret, section, str, WHEN_VALID } from "./kit";

const HTTP_PATH_TEXT = "an HTTP path starting with / such as /healthz/ready";

/** Default container settings per role. */
export const APP_CONTAINER_DEFAULTS = {
    frontend: {
        repository: "frontend",
        probes: { readiness: "/healthz/ready", liveness: "/healthz/live", startup: "/healthz/live" },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        writablePaths: ["/tmp"],
    },
    backend: {
        repository: "backend",
        probes: { readiness: "/healthz/ready", liveness: "/healthz/live", startup: "/healthz/live" },
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        writablePaths: ["/tmp"],
    },
} as const;

/** A quantity of `resources`: a string, or a bare number of cores (`cpu: 2` in YAML). */
const quantity = (def: string, doc: string) =>
    z
        .union([str(), z.number()], { error: (i) => (i.input === undefined ? "is required: a string" : "must be a string") })
        .default(def)
        .describe(doc)
        .transform(String);

function container(role: "frontend" | "backend") {
    const d = APP_CONTAINER_DEFAULTS[role];
    const q = (kind: "requests" | "limits") =>
        section({
            cpu: quantity(d.resources[kind].cpu, `CPU ${kind === "requests" ? "request" : "limit"} of the ${role} container.`),
            memory: quantity(d.resources[kind].memory, `Memory ${kind === "requests" ? "request" : "limit"} of the ${role} container.`),
        }).describe(`Resource ${kind} of the ${role} container.`);
    const path = (p: "readiness" | "liveness" | "startup") => str({ pattern: HTTP_PATH, text: HTTP_PATH_TEXT }).default(d.probes[p]).describe(`HTTP path of the ${role}'s ${p} probe.`);
    return obj({
        repository: str().default(d.repository).describe(`Repository of the ${role} image in the registry (no host, tag or digest).`),
        // Read raw, so that `latest`, empty and numeric tags get the image rule's specific message.
        tag: z.unknown().optional().describe(`Pinned version tag of the ${role} image (never latest); tag or digest is required.`).meta({ type: "string" }),
        digest: z.unknown().optional().describe(`sha256 digest of the ${role} image.`).meta({ type: "string" }),
        probes: section({ readiness: path("readiness"), liveness: path("liveness"), startup: path("startup") }).describe(`HTTP probe paths of the ${role} container.`),
        resources: section({ requests: q("requests"), limits: q("limits") })
            .superRefine((r, ctx) => {
                const bad = resourceProblems(r as ComputeResources)[0];
                if (bad) problem(ctx, bad.field.split("."), bad.message, bad.value);
            }, WHEN_VALID)
            .describe(`Requests and limits of the ${role} container.`),
        writablePaths: list(str({ pattern: ABSOLUTE_PATH, text: "an absolute path such as /tmp" }))
            .default([...d.writablePaths])
            .describe(`Writable emptyDir mounts of the ${role} container (its root file system is read-only).`),
    })
        .superRefine((c, ctx) => {
            for (const p of imageRefProblems({ repository: c.repository, tag: c.tag as string | undefined, digest: c.digest as string | undefined })) {
                problem(ctx, [p.field], p.message, p.value);
            }
        }, WHEN_VALID)
        .transform(({ repository, tag, digest, ...rest }) => ({
            image: { repository, ...(tag !== undefined ? { tag: tag as string } : {}), ...(digest !== undefined ? { digest: digest as string } : {}) },
            ...rest,
        }))
        .describe(`The ${role} container: image, probes, resources, writable paths.`);
}

const port = (def: number, what: string) => int({ min: 1024, max: 65535, minText: "1024 (the containers run as non-root)" }).default(def).describe(what);

const ipv4Cidr = z
    .string({ error: "must be a string" })
    .regex(IPV4_CIDR, { error: "must be an IPv4 CIDR such as 10.20.0.0/24 (NetworkPolicies match IP blocks, not host names)" })
    .refine((c) => !IPV4_CIDR.test(c) || isIpv4Cidr(c), { error: "must be an IPv4 CIDR such as 10.20.0.0/24" })
    .refine((c) => !c.endsWith("/0"), { error: "must not be 0.0.0.0/0-wide: egress is allowed to the database endpoint only" });

/** `it-ops-infra:app`. */
export const appSchema = obj({
    namespace: dnsLabel().default("production").describe("Namespace of the workload."),
    name: dnsLabel()
        .max(50, { error: "must be at most 50 characters (suffixes such as -backend are appended)" })
        .default("it-ops-system")
        .describe("Name of the Deployment/Service and the `app` label (at most 50 characters: suffixes such as -backend are appended)."),
    frontend: container("frontend"),
    backend: container("backend"),
    replicas: int({ min: 1, max: 100 }).default(3).describe("Replicas of each Deployment (the autoscaler's minimum)."),
    maxReplicas: int({ max: 1000 }).optional().describe("The autoscaler's maximum (>= replicas, <= 1000).").meta({ derivedDefault: "3 × replicas" }),
    cpuTargetPercent: int({ min: 10, max: 100 }).default(70).describe("The autoscaler's CPU utilisation target in percent."),
    ports: section({
        http: port(8080, "Container port of the web front (Service port http)."),
        api: port(3000, "Container port of the API."),
        metrics: port(9090, "Container port of the metrics endpoint."),
    })
        .superRefine((p, ctx) => {
            if (p.api === p.http) problem(ctx, ["api"], `must differ from http (${p.http})`, p.api);
            else if (p.metrics === p.http || p.metrics === p.api) problem(ctx, ["metrics"], `must differ from http (${p.http}) and api (${p.api})`, p.metrics);
        }, WHEN_VALID)
        .describe("Container ports (>= 1024: the containers run as non-root)."),
    split: bool().default(false).describe("Run frontend and backend as two Deployments."),
    zoneSpread: oneOf(SPREAD_MODES).default("DoNotSchedule").describe("Topology spread across zones: DoNotSchedule (hard) or ScheduleAnyway (soft)."),
    runAsUser: int({ min: 1, max: 2147483647, minText: "1 (never root)" }).default(10001).describe("UID the containers run as (never root)."),
    ingressNamespaces: list(dnsLabelItem("a namespace name"), { minItems: 1 })
        .default(["app-routing-system"])
        .describe("Namespaces (ingress controller / Gateway) allowed to reach `http`."),
    database: obj({
        cidrs: list(ipv4Cidr, { minItems: 1 })
            .optional()
            .describe("IPv4 CIDRs of the database endpoint (the app's only egress besides DNS); in cluster mode aks they must lie inside network.subnets.database.")
            .meta({ derivedDefault: "[network.subnets.database] (cluster mode aks; required otherwise)" }),
        port: int({ min: 1, max: 65535 }).default(27017).describe("TCP port of the database."),
        uri: secret().describe("The database connection URI (secret). Not set with database.mode managed (the MongoDatabase's connection string is used)."),
    })
        // Required with database.mode external ("is required: an object"); with mode managed it may be left out.
        // (Outside a parse, i.e. for the JSON schema, it reads as optional like the other sections.)
        .prefault(() => { const c = maybeParseContext(); return (!c || c.managedDatabase ? {} : undefined) as never; })
        .describe("The database the app reaches: endpoint and connection URI (may be left out with database.mode managed)."),
    allowPublicLoadBalancer: bool().default(false).describe("Whether the policy pack accepts a public LoadBalancer Service in this stack."),
})
    .superRefine((a, ctx) => {
        if (a.maxReplicas !== undefined && a.maxReplicas < a.replicas) {
            problem(ctx, ["maxReplicas"], `must be an integer >= replicas (${a.replicas}) and <= 1000`, a.maxReplicas);
        }
    }, WHEN_VALID)
    .transform((a) => ({ ...a, maxReplicas: a.maxReplicas ?? a.replicas * 3 }))
    .describe("The IT-Ops system workload.");

type ParsedApp = Resolved<z.output<typeof appSchema>>;

/** The parsed `app` section. */
export type AppConfig = Omit<ParsedApp, "database"> & {
    /** `uri` is absent with `database.mode managed` (the MongoDatabase's connection string is used). */
    readonly database: Omit<ParsedApp["database"], "cidrs" | "uri"> & { readonly cidrs: readonly string[]; readonly uri?: ParsedApp["database"]["uri"] };
};
export type { AppContainerSpec } from "../../components/app/app-spec";

/** What the app's settings are derived from elsewhere in the stack's config. */
export interface AppContext {
    /** `network.subnets.database` (cluster mode aks): the default of, and the bound on, `database.cidrs`. */
    readonly databaseSubnet?: string;
    /** Cluster mode existing: no subnet to derive from, so `database.cidrs` is required. */
    readonly cidrsRequired: boolean;
}

/** The app section with the database CIDRs derived from the network (or a problem). */
export function finishApp(a: ParsedApp, ctx: AppContext, fail: (path: string, message: string, value?: unknown) => void): AppConfig {
    const given = a.database.cidrs;
    // One fact, one place: in mode aks the database lives in network.subnets.database; the egress
    // allow defaults to that subnet and may only narrow it (e.g. to the endpoint's /32).
    if (given === undefined && ctx.cidrsRequired) fail("app.database.cidrs", "is required: a list");
    if (given !== undefined && ctx.databaseSubnet !== undefined && given.some((c) => !cidrContains(ctx.databaseSubnet!, c))) {
        fail("app.database.cidrs", `must lie inside network.subnets.database (${ctx.databaseSubnet}); leave it unset to allow exactly that subnet`, given);
    }
    return { ...a, database: { ...a.database, cidrs: given ?? (ctx.databaseSubnet !== undefined ? [ctx.databaseSubnet] : []) } };
}
