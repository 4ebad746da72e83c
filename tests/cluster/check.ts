/**
 * The check `npm run test:cluster` runs on a rendered stack against the real control plane
 * (tools/cluster): server-side apply of every file under manifests/, then the workloads must run
 * on the simulated nodes. It returns the problems it found (empty = the render passes), so the
 * tests can show both that the real render passes and that broken renders fail.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { apiRequest, ApiResponse, bin, ClusterState } from "../../tools/cluster/cluster";

/** The field manager of the program's own objects (as the Pulumi Kubernetes provider applies them). */
export const FIELD_MANAGER = "pulumi-kubernetes";
/** Annotations that are instructions to the Pulumi provider for a Patch resource, not part of the object. */
const PATCH_ANNOTATIONS = { force: "pulumi.com/patchForce", manager: "pulumi.com/patchFieldManager" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ResourceInfo {
    readonly resource: string;
    readonly namespaced: boolean;
}

/** A client of the test control plane: discovery, server-side apply, reads, kubectl. */
export class Kube {
    private readonly discovered = new Map<string, Map<string, ResourceInfo>>();

    constructor(readonly state: ClusterState) {}

    request(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<ApiResponse> {
        return apiRequest(this.state.dir, this.state.server, method, urlPath, { body, contentType, timeoutMs: 30_000 });
    }

    async get(urlPath: string): Promise<any> {
        const r = await this.request("GET", urlPath);
        if (r.status !== 200) throw new Error(`GET ${urlPath}: HTTP ${r.status} ${r.body?.message ?? ""}`);
        return r.body;
    }

    /** The REST resource of an apiVersion + kind (discovery, re-read when a kind is new, e.g. after CRDs). */
    async resourceOf(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
        let kinds = this.discovered.get(apiVersion);
        if (!kinds?.has(kind)) {
            const r = await this.request("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
            kinds = new Map();
            for (const res of r.status === 200 ? r.body.resources : []) if (!res.name.includes("/")) kinds.set(res.kind, { resource: res.name, namespaced: res.namespaced });
            this.discovered.set(apiVersion, kinds);
        }
        return kinds.get(kind);
    }

    async pathOf(obj: Record<string, any>): Promise<string> {
        const info = await this.resourceOf(obj.apiVersion, obj.kind);
        if (!info) throw new Error(`the API server does not serve ${obj.apiVersion} ${obj.kind}`);
        const base = obj.apiVersion.includes("/") ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
        const ns = info.namespaced ? `/namespaces/${obj.metadata?.namespace ?? "default"}` : "";
        return `${base}${ns}/${info.resource}/${obj.metadata.name}`;
    }

    /** Server-side apply with strict field validation (unknown or duplicate fields are errors). */
    async apply(obj: Record<string, any>, fieldManager = FIELD_MANAGER, force = false): Promise<ApiResponse> {
        const q = `?fieldManager=${encodeURIComponent(fieldManager)}&fieldValidation=Strict${force ? "&force=true" : ""}`;
        return this.request("PATCH", (await this.pathOf(obj)) + q, JSON.stringify(obj), "application/apply-patch+yaml");
    }

    /** kubectl (built with the control plane) against this cluster. */
    kubectl(args: string[]): { status: number | null; stdout: string; stderr: string } {
        const r = spawnSync(bin("kubectl"), args, { encoding: "utf8", env: { ...process.env, KUBECONFIG: this.state.kubeconfig }, timeout: 60_000 });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }
}

/** One rendered file under manifests/. */
export interface ManifestFile {
    readonly file: string;
    readonly object: Record<string, any>;
    readonly patch: boolean;
}

export function readManifests(dir: string): ManifestFile[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => ({ file: f, object: YAML.parse(fs.readFileSync(path.join(dir, f), "utf8")), patch: f.endsWith(".patch.yaml") }));
}

/**
 * The order objects are applied in: Helm's install order (kinds others depend on first: a Job
 * created before its ServiceAccount has its pods refused until the ServiceAccount exists), then
 * kinds it does not list, then patches.
 */
export const INSTALL_ORDER = [
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodDisruptionBudget", "ServiceAccount", "Secret", "ConfigMap",
    "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
    "Role", "RoleBinding", "Service", "DaemonSet", "Pod", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet",
    "Job", "CronJob", "IngressClass", "Ingress", "GatewayClass", "Gateway", "ReferenceGrant", "HTTPRoute",
];

/**
 * Whether the server's copy of an object holds everything the render sent: defaults the server adds
 * (an HTTPRoute backend's `weight: 1`) are fine, and an empty list or map it drops counts as sent.
 */
export function storedAsRendered(stored: unknown, rendered: unknown): boolean {
    if (Array.isArray(rendered)) {
        if (rendered.length === 0) return stored === undefined || (Array.isArray(stored) && stored.length === 0);
        return Array.isArray(stored) && stored.length === rendered.length && rendered.every((r, i) => storedAsRendered(stored[i], r));
    }
    if (rendered && typeof rendered === "object") {
        const keys = Object.keys(rendered);
        if (keys.length === 0) return stored === undefined || (!!stored && typeof stored === "object" && Object.keys(stored).length === 0);
        return !!stored && typeof stored === "object" && keys.every((k) => storedAsRendered((stored as Record<string, unknown>)[k], (rendered as Record<string, unknown>)[k]));
    }
    return stored === rendered;
}

const name = (o: Record<string, any>) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

export interface CheckResult {
    /** Everything wrong, one line each; empty when the render passes. */
    readonly problems: string[];
    /** Objects the server accepted (kind ns/name). */
    readonly applied: string[];
    /** Every Warning header the server sent, with the object. */
    readonly warnings: string[];
    /** Deployments that became Available, Jobs (rendered or run from a CronJob) that completed. */
    readonly available: string[];
    /** Where each Available Deployment's pods run: `Deployment ns/name: <zone>=<count>, …`. */
    readonly placement: string[];
    readonly completed: string[];
}

export interface CheckOptions {
    /** Suffix of the Jobs run from CronJobs (unique per check). */
    readonly runId: string;
    /** How long workloads may take. @default 90 s */
    readonly timeoutMs?: number;
}

/**
 * Applies every manifest of a render (namespaces first, patches last, each patch as the field
 * manager its annotation names) and checks: nothing rejected, no warning (Pod Security or other),
 * every Deployment Available, every rendered Job and a manual run of every CronJob Complete, each
 * in a namespace that enforces `restricted`.
 */
export async function checkRender(kube: Kube, manifestsDir: string, opts: CheckOptions): Promise<CheckResult> {
    const problems: string[] = [];
    const applied: string[] = [];
    const warnings: string[] = [];
    const files = readManifests(manifestsDir);
    const rank = (f: ManifestFile) => (f.patch ? INSTALL_ORDER.length + 1 : INSTALL_ORDER.indexOf(f.object.kind) < 0 ? INSTALL_ORDER.length : INSTALL_ORDER.indexOf(f.object.kind));
    for (const f of [...files].sort((a, b) => rank(a) - rank(b))) {
        const obj = structuredClone(f.object);
        let manager = FIELD_MANAGER;
        let force = false;
        if (f.patch) {
            const ann = obj.metadata?.annotations ?? {};
            manager = ann[PATCH_ANNOTATIONS.manager] ?? manager;
            force = ann[PATCH_ANNOTATIONS.force] === "true";
            delete ann[PATCH_ANNOTATIONS.manager];
            delete ann[PATCH_ANNOTATIONS.force];
            if (obj.metadata?.annotations && Object.keys(ann).length === 0) delete obj.metadata.annotations;
            // A patch only ever changes an object that exists: never create it by applying.
            const existing = await kube.request("GET", await kube.pathOf(obj).catch(() => "/missing"));
            if (existing.status !== 200) {
                problems.push(`${f.file}: the patch target ${name(obj)} does not exist (HTTP ${existing.status})`);
                continue;
            }
        }
        let r: ApiResponse;
        try {
            r = await kube.apply(obj, manager, force);
        } catch (e) {
            problems.push(`${f.file}: rejected: ${(e as Error).message}`);
            continue;
        }
        for (const w of r.warnings) warnings.push(`${f.file}: ${w}`);
        if (r.status !== 200 && r.status !== 201) {
            problems.push(`${f.file}: rejected (HTTP ${r.status}): ${r.body?.message ?? JSON.stringify(r.body)}`);
            continue;
        }
        applied.push(name(obj));
    }
    for (const w of warnings) problems.push(`warning: ${w}`);

    const objects = files.filter((f) => !f.patch).map((f) => f.object);
    const timeoutMs = opts.timeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    const available: string[] = [];
    const placement: string[] = [];
    const completed: string[] = [];

    // Pods are only ever admitted under `restricted`: every namespace with a workload must enforce it.
    const workloads = objects.filter((o) => ["Deployment", "Job", "CronJob"].includes(o.kind));
    for (const ns of [...new Set(workloads.map((o) => o.metadata.namespace as string))].sort()) {
        const got = await kube.request("GET", `/api/v1/namespaces/${ns}`);
        const enforce = got.body?.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
        if (enforce !== "restricted") problems.push(`namespace ${ns} enforces ${enforce ?? "no Pod Security level (privileged)"}, not restricted`);
    }

    // Manual runs of every CronJob, then wait for them with the rendered Jobs and the Deployments.
    const jobs: { ns: string; name: string; what: string }[] = [];
    for (const cj of objects.filter((o) => o.kind === "CronJob" && applied.includes(name(o)))) {
        const job = `${cj.metadata.name}-${opts.runId}`.slice(0, 52).replace(/-+$/, "");
        const r = kube.kubectl(["-n", cj.metadata.namespace, "create", "job", `--from=cronjob/${cj.metadata.name}`, job]);
        for (const line of r.stderr.split("\n").filter((l) => /^Warning:/.test(l))) problems.push(`warning: kubectl create job --from=cronjob/${cj.metadata.name}: ${line}`);
        if (r.status !== 0) problems.push(`kubectl create job --from=cronjob/${cj.metadata.name} failed: ${r.stderr.trim()}`);
        else jobs.push({ ns: cj.metadata.namespace, name: job, what: `Job ${cj.metadata.namespace}/${job} (from CronJob ${cj.metadata.name})` });
    }
    for (const j of objects.filter((o) => o.kind === "Job" && applied.includes(name(o)))) jobs.push({ ns: j.metadata.namespace, name: j.metadata.name, what: name(j) });

    const deployments = objects.filter((o) => o.kind === "Deployment" && applied.includes(name(o)));
    const pending = new Set([...deployments.map(name), ...jobs.map((j) => j.what)]);
    const stuck = new Map<string, { since: number; why: string }>();
    while (pending.size && Date.now() < deadline) {
        for (const d of deployments.filter((x) => pending.has(name(x)))) {
            const got = await kube.get(`/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}`);
            const conds = got.status?.conditions ?? [];
            const want = got.spec.replicas ?? 1;
            const ok =
                (got.status?.observedGeneration ?? 0) >= got.metadata.generation &&
                conds.some((c: any) => c.type === "Available" && c.status === "True") &&
                (got.status?.updatedReplicas ?? 0) === want &&
                (got.status?.availableReplicas ?? 0) >= want &&
                (got.status?.replicas ?? 0) === want;
            if (ok) {
                pending.delete(name(d));
                available.push(name(d));
                const placed = await placementProblems(kube, got);
                placement.push(`${name(d)}: ${placed.zones}`);
                problems.push(...placed.problems.map((p) => `${name(d)}: ${p}`));
                continue;
            }
            const failure = conds.find((c: any) => c.type === "ReplicaFailure" && c.status === "True");
            const why = failure ? `${failure.reason}: ${failure.message}` : await unschedulable(kube, d);
            if (why) {
                const s = stuck.get(name(d)) ?? { since: Date.now(), why };
                stuck.set(name(d), { since: s.since, why });
                // A pod the scheduler cannot place, or a ReplicaSet refused its pods, for 5 s: that is the answer.
                if (Date.now() - s.since > 5000) {
                    problems.push(`${name(d)} is not Available: ${why}`);
                    pending.delete(name(d));
                }
            } else stuck.delete(name(d));
        }
        for (const j of jobs.filter((x) => pending.has(x.what))) {
            const got = await kube.get(`/apis/batch/v1/namespaces/${j.ns}/jobs/${j.name}`);
            const conds = got.status?.conditions ?? [];
            if (conds.some((c: any) => c.type === "Complete" && c.status === "True")) {
                pending.delete(j.what);
                completed.push(j.what);
            } else if (conds.some((c: any) => c.type === "Failed" && c.status === "True")) {
                pending.delete(j.what);
                problems.push(`${j.what} failed: ${conds.map((c: any) => `${c.type} ${c.reason ?? ""} ${c.message ?? ""}`).join("; ")}`);
            } else if (!got.status?.active && !got.status?.succeeded) {
                const events = await kube.get(`/api/v1/namespaces/${j.ns}/events?fieldSelector=involvedObject.name=${j.name}`);
                const refused = (events.items ?? []).filter((e: any) => e.reason === "FailedCreate").pop();
                if (refused) {
                    const s = stuck.get(j.what) ?? { since: Date.now(), why: refused.message };
                    stuck.set(j.what, s);
                    // No pod 5 s after the Job controller's pod was refused: that is the answer.
                    if (Date.now() - s.since > 5000) {
                        pending.delete(j.what);
                        problems.push(`${j.what}: its pod was refused: ${refused.message}`);
                    }
                }
            }
        }
        if (pending.size) await sleep(500);
    }
    for (const p of pending) problems.push(`${p}: not ${p.startsWith("Deployment") ? "Available" : "Complete"} after ${timeoutMs / 1000} s`);
    return { problems, applied, warnings, available, placement, completed };
}

/**
 * Where the scheduler put a Deployment's current pods: each on a node its nodeSelector matches,
 * and spread over the zones within maxSkew for every `DoNotSchedule` zone constraint (the zones
 * counted are those of the nodes the pods may use: selector matched, taints tolerated).
 */
async function placementProblems(kube: Kube, d: any): Promise<{ zones: string; problems: string[] }> {
    const problems: string[] = [];
    const spec = d.spec.template.spec;
    const hash = (await kube.get(`/apis/apps/v1/namespaces/${d.metadata.namespace}/replicasets?labelSelector=${encodeURIComponent(selectorOf(d))}`)).items
        .filter((rs: any) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"] === d.metadata.annotations?.["deployment.kubernetes.io/revision"])
        .map((rs: any) => rs.metadata.labels["pod-template-hash"])[0];
    const pods = (await kube.get(`/api/v1/namespaces/${d.metadata.namespace}/pods?labelSelector=${encodeURIComponent(`${selectorOf(d)},pod-template-hash=${hash}`)}`)).items.filter(
        (p: any) => !p.metadata.deletionTimestamp,
    );
    const nodes = new Map<string, any>(((await kube.get("/api/v1/nodes")).items as any[]).map((n) => [n.metadata.name, n]));
    const selector: Record<string, string> = spec.nodeSelector ?? {};
    const matches = (n: any) => Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v);
    const tolerated = (n: any) =>
        (n.spec.taints ?? []).every((t: any) => t.effect === "PreferNoSchedule" || (spec.tolerations ?? []).some((x: any) => (x.operator === "Exists" && (!x.key || x.key === t.key)) || (x.key === t.key && x.value === t.value)));
    const zone = (n: any) => n.metadata.labels?.["topology.kubernetes.io/zone"] ?? "(no zone)";
    const counts = new Map<string, number>();
    for (const n of nodes.values()) if (matches(n) && tolerated(n)) counts.set(zone(n), 0);
    for (const p of pods) {
        const n = nodes.get(p.spec.nodeName);
        if (!n) {
            problems.push(`pod ${p.metadata.name} is on no known node (${p.spec.nodeName})`);
            continue;
        }
        if (!matches(n)) problems.push(`pod ${p.metadata.name} runs on ${n.metadata.name}, which its nodeSelector ${JSON.stringify(selector)} does not match`);
        counts.set(zone(n), (counts.get(zone(n)) ?? 0) + 1);
    }
    for (const c of spec.topologySpreadConstraints ?? []) {
        if (c.topologyKey !== "topology.kubernetes.io/zone" || c.whenUnsatisfiable !== "DoNotSchedule") continue;
        const values = [...counts.values()];
        const skew = Math.max(...values) - Math.min(...values);
        if (skew > c.maxSkew) problems.push(`zone skew ${skew} > maxSkew ${c.maxSkew} (${[...counts].map(([z, k]) => `${z}=${k}`).join(", ")})`);
    }
    return { zones: [...counts].sort().map(([z, k]) => `${z}=${k}`).join(", "), problems };
}

const selectorOf = (d: any) =>
    Object.entries(d.spec.selector.matchLabels as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");

/** Why a Deployment's pods are not placed (a pod the scheduler found no node for), if that is the case. */
async function unschedulable(kube: Kube, d: Record<string, any>): Promise<string | undefined> {
    const pods = await kube.get(`/api/v1/namespaces/${d.metadata.namespace}/pods?labelSelector=${encodeURIComponent(selectorOf(d))}`);
    for (const p of pods.items ?? []) {
        const c = (p.status?.conditions ?? []).find((x: any) => x.type === "PodScheduled" && x.status === "False" && x.reason === "Unschedulable");
        if (c) return `pod ${p.metadata.name} is Unschedulable: ${c.message}`;
    }
    return undefined;
}
