/**
 * The `app` section of the stack configuration: the IT-Ops system workload (namespace, images,
 * replicas and autoscaling, ports, probes, resources, network allows, the database endpoint and
 * its URI secret). Parsed by {@link parseApp}; read only through `infra/config.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { cidrContains } from "../../components/platform/network";
import {
    AppContainerSpec,
    ComputeResources,
    DIGEST,
    DIGEST_TEXT,
    ImageRef,
    imageRefProblems,
    ProbePaths,
    resourceProblems,
    SPREAD_MODES,
    SpreadMode,
} from "../../components/app/app-spec";
import { ObjectReader } from "./reader";

export interface AppConfig {
    /** Namespace of the workload. */
    readonly namespace: string;
    /** Name of the Deployment/Service and the `app` label. */
    readonly name: string;
    readonly frontend: AppContainerSpec;
    readonly backend: AppContainerSpec;
    readonly replicas: number;
    readonly maxReplicas: number;
    readonly cpuTargetPercent: number;
    readonly ports: { readonly http: number; readonly api: number; readonly metrics: number };
    /** Frontend and backend as two Deployments. */
    readonly split: boolean;
    readonly zoneSpread: SpreadMode;
    readonly runAsUser: number;
    /** Namespaces (ingress controller / Gateway) allowed to reach `http`. */
    readonly ingressNamespaces: readonly string[];
    /** Namespace allowed to scrape `metrics`. */
    readonly monitoringNamespace: string;
    readonly database: {
        /** IPv4 CIDRs of the database endpoint (private endpoint subnet). */
        readonly cidrs: readonly string[];
        readonly port: number;
        /** The connection URI (a Pulumi secret); absent with `database.mode managed` (the MongoDatabase's output is used). */
        readonly uri?: pulumi.Output<string>;
    };
    /** Whether the policy pack accepts a public LoadBalancer Service in this stack. */
    readonly allowPublicLoadBalancer: boolean;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const HTTP_PATH_TEXT = "an HTTP path starting with / such as /healthz/ready";

/** Default container settings per role. */
export const APP_CONTAINER_DEFAULTS: Readonly<Record<"frontend" | "backend", { repository: string; probes: ProbePaths; resources: ComputeResources; writablePaths: readonly string[] }>> = {
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
};

function parseImage(r: ObjectReader, defaultRepository: string): ImageRef {
    const repository = r.string("repository", { default: defaultRepository });
    // Read tag and digest raw, so that `latest`, empty and missing tags get the specific message.
    const tag = r.rawValue("tag");
    const digest = r.rawValue("digest");
    if (digest !== undefined && (typeof digest !== "string" || !DIGEST.test(digest))) throw r.fail("digest", `must be ${DIGEST_TEXT}`, digest);
    const ref: ImageRef = {
        repository,
        ...(tag !== undefined ? { tag: tag as string } : {}),
        ...(digest !== undefined ? { digest: digest as string } : {}),
    };
    const problem = imageRefProblems(ref)[0];
    if (problem) {
        throw problem.value === undefined && problem.field === "tag" ? r.fail("tag", problem.message) : r.fail(problem.field, problem.message, problem.value);
    }
    return ref;
}

function parseContainer(r: ObjectReader, role: "frontend" | "backend"): AppContainerSpec {
    const d = APP_CONTAINER_DEFAULTS[role];
    const image = parseImage(r, d.repository);
    const p = r.object("probes");
    const path = (field: keyof ProbePaths) => p.string(field, { default: d.probes[field], pattern: /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, patternText: HTTP_PATH_TEXT });
    const probes: ProbePaths = { readiness: path("readiness"), liveness: path("liveness"), startup: path("startup") };
    p.done();
    const res = r.object("resources");
    const q = (kind: "requests" | "limits") => {
        const o = res.object(kind);
        // A bare number of cores (`cpu: 2` in YAML) is a valid quantity too.
        const cpu = typeof o.rawValue("cpu") === "number" ? String(o.rawValue("cpu")) : o.string("cpu", { default: d.resources[kind].cpu });
        const v = { cpu, memory: o.string("memory", { default: d.resources[kind].memory }) };
        o.done();
        return v;
    };
    const resources: ComputeResources = { requests: q("requests"), limits: q("limits") };
    const bad = resourceProblems(resources)[0];
    if (bad) throw res.fail(bad.field, bad.message, bad.value);
    res.done();
    const writablePaths = r.array("writablePaths", (i) => i.string({ pattern: /^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, patternText: "an absolute path such as /tmp" }), { default: [...d.writablePaths] });
    r.done();
    return { image, probes, resources, writablePaths };
}

function port(r: ObjectReader, field: string, def: number): number {
    return r.integer(field, { default: def, min: 1024, max: 65535, minText: "1024 (the containers run as non-root)" });
}

/** What the app's settings are derived from elsewhere in the stack's config. */
export interface AppContext {
    /** `network.subnets.database` (cluster mode aks): the default of, and the bound on, `database.cidrs`. */
    readonly databaseSubnet?: string;
    /** `database.mode managed`: no `database.uri`; the port is the managed service's (`database.cidrs`/`port`/`uri` are rejected before). */
    readonly managedDatabase?: { readonly port: number };
}

/** Parses `it-ops-infra:app`. */
export function parseApp(r: ObjectReader, ctx: AppContext = {}): AppConfig {
    const namespace = r.dnsLabel("namespace", { default: "production" });
    const name = r.dnsLabel("name", { default: "it-ops-system" });
    if (name.length > 50) throw r.fail("name", "must be at most 50 characters (suffixes such as -backend are appended)", name);
    const frontend = parseContainer(r.object("frontend", { required: true }), "frontend");
    const backend = parseContainer(r.object("backend", { required: true }), "backend");
    const replicas = r.integer("replicas", { default: 3, min: 1, max: 100 });
    const maxReplicas = r.integer("maxReplicas", { default: replicas * 3, min: replicas, max: 1000, minText: `replicas (${replicas})` });
    const cpuTargetPercent = r.integer("cpuTargetPercent", { default: 70, min: 10, max: 100 });
    const p = r.object("ports");
    const ports = { http: port(p, "http", 8080), api: port(p, "api", 3000), metrics: port(p, "metrics", 9090) };
    if (ports.api === ports.http) throw p.fail("api", `must differ from http (${ports.http})`, ports.api);
    if (ports.metrics === ports.http || ports.metrics === ports.api) throw p.fail("metrics", `must differ from http (${ports.http}) and api (${ports.api})`, ports.metrics);
    p.done();
    const split = r.boolean("split", { default: false });
    const zoneSpread = r.enum("zoneSpread", SPREAD_MODES, { default: "DoNotSchedule" });
    const runAsUser = r.integer("runAsUser", { default: 10001, min: 1, max: 2147483647, minText: "1 (never root)" });
    const ingressNamespaces = r.array(
        "ingressNamespaces",
        (i) => i.dnsLabel("a namespace name"),
        { default: ["app-routing-system"], minItems: 1 },
    );
    const monitoringNamespace = r.dnsLabel("monitoringNamespace", { default: "monitoring" });

    const db = r.object("database", { required: !ctx.managedDatabase });
    const cidrs = db.array(
        "cidrs",
        (i) => {
            const c = i.string({ pattern: CIDR, patternText: "an IPv4 CIDR such as 10.20.0.0/24 (NetworkPolicies match IP blocks, not host names)" });
            const m = CIDR.exec(c)!;
            if (m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) throw i.fail("must be an IPv4 CIDR such as 10.20.0.0/24");
            if (Number(m[5]) === 0) throw i.fail("must not be 0.0.0.0/0-wide: egress is allowed to the database endpoint only");
            return c;
        },
        { minItems: 1, ...(ctx.databaseSubnet !== undefined ? { default: [ctx.databaseSubnet] } : {}) },
    );
    // One fact, one place: in mode aks the database lives in network.subnets.database; the egress
    // allow defaults to that subnet and may only narrow it (e.g. to the endpoint's /32).
    if (ctx.databaseSubnet !== undefined) {
        for (const c of cidrs) {
            if (!cidrContains(ctx.databaseSubnet, c)) throw db.fail("cidrs", `must lie inside network.subnets.database (${ctx.databaseSubnet}); leave it unset to allow exactly that subnet`, cidrs);
        }
    }
    const dbPort = ctx.managedDatabase ? ctx.managedDatabase.port : db.integer("port", { default: 27017, min: 1, max: 65535 });
    const uri = ctx.managedDatabase ? undefined : db.secretString("uri")!;
    db.done();
    const allowPublicLoadBalancer = r.boolean("allowPublicLoadBalancer", { default: false });
    r.done();
    return {
        namespace,
        name,
        frontend,
        backend,
        replicas,
        maxReplicas,
        cpuTargetPercent,
        ports,
        split,
        zoneSpread,
        runAsUser,
        ingressNamespaces,
        monitoringNamespace,
        database: { cidrs, port: dbPort, uri },
        allowPublicLoadBalancer,
    };
}
