/**
 * A real Kubernetes control plane on loopback, without containers or a cloud account:
 * etcd (Debian's etcd-server), kube-apiserver, kube-controller-manager and kube-scheduler
 * (k8s.io/kubernetes v1.33.13, built by the wrapper module tools/cluster/kube) and kwok
 * (sigs.k8s.io/kwok v0.8.0, tools/cluster/kwok), which simulates the kubelets of AKS-like nodes.
 *
 *   npm run cluster -- up       # build (cached) and start; prints the kubeconfig path on stdout
 *   npm run cluster -- status   # which processes run; exit 0 when all of them are up
 *   npm run cluster -- down     # stop exactly the processes `up` started; remove the state dir
 *   npm run cluster -- build    # only build/check the binaries (.ci/run)
 *   npm run cluster -- env      # `export KUBECONFIG=… PATH=…` for eval
 *   npm run cluster -- crds     # the CRD files the control plane is tested with, one path a line
 *
 * Environment: ITOPS_CACHE (default ~/.cache/it-ops-infra): binaries in $ITOPS_CACHE/cluster-bin;
 * ITOPS_CLUSTER_DIR (default $ITOPS_CACHE/cluster): certificates, etcd data, logs, the recorded
 * PIDs and the kubeconfig ($ITOPS_CLUSTER_DIR/kubeconfig). Several control planes can run side
 * by side with different ITOPS_CLUSTER_DIRs: every port is picked free at `up`.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";

export const KUBERNETES_VERSION = "v1.33.13";
export const KWOK_VERSION = "v0.8.0";
/** The directory of this tool (the Go build modules live under it). */
export const TOOL_DIR = __dirname;
export const REPO_DIR = path.resolve(__dirname, "..", "..");

export function cacheRoot(): string {
    return process.env.ITOPS_CACHE ?? path.join(os.homedir(), ".cache", "it-ops-infra");
}
export function binDir(): string {
    return path.join(cacheRoot(), "cluster-bin");
}
export function stateDir(): string {
    return path.resolve(process.env.ITOPS_CLUSTER_DIR ?? path.join(cacheRoot(), "cluster"));
}
export function bin(name: string): string {
    return path.join(binDir(), name);
}

function log(msg: string): void {
    process.stderr.write(`cluster: ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Building the binaries (cached, stamped like .ci/run's go_tool)

/** A Go build module under tools/cluster and the binaries it builds. */
export interface BuildModule {
    readonly dir: string;
    readonly packages: Readonly<Record<string, string>>;
    readonly ldflags: string;
}

const VERSION_PKG = "k8s.io/component-base/version";
export const BUILD_MODULES: readonly BuildModule[] = [
    {
        dir: "kube",
        packages: {
            "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
            "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
            "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
            kubectl: "k8s.io/kubernetes/cmd/kubectl",
        },
        // What upstream's hack/lib/version.sh stamps (kubectl version, discovery, version skew checks read it).
        ldflags: [
            "-s -w",
            `-X ${VERSION_PKG}.gitVersion=${KUBERNETES_VERSION}`,
            `-X ${VERSION_PKG}.gitMajor=1`,
            `-X ${VERSION_PKG}.gitMinor=33`,
            `-X ${VERSION_PKG}.gitTreeState=clean`,
            `-X k8s.io/client-go/pkg/version.gitVersion=${KUBERNETES_VERSION}`,
        ].join(" "),
    },
    {
        dir: "kwok",
        packages: { kwok: "sigs.k8s.io/kwok/cmd/kwok" },
        // kwok v0.8.0 reports its version from its own constants (pkg/consts.Version = "0.8.0").
        ldflags: "-s -w",
    },
];

function goBinary(): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) if (dir && fs.existsSync(path.join(dir, "go"))) return path.join(dir, "go");
    if (fs.existsSync("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
    throw new Error("go is not installed (Go >= 1.26 is needed to build the control plane; see tools/README.md)");
}

function goEnv(): NodeJS.ProcessEnv {
    return { ...process.env, GOWORK: "off", GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly -buildvcs=false -trimpath" };
}

/** What a build depends on: the module's go.mod/go.sum, the Go version and the link flags. */
export function buildStamp(m: BuildModule): string {
    const dir = path.join(TOOL_DIR, m.dir);
    const goVersion = execFileSync(goBinary(), ["env", "GOVERSION", "GOOS", "GOARCH"], { encoding: "utf8", env: goEnv() }).trim().replace(/\s+/g, " ");
    const h = crypto.createHash("sha256");
    for (const f of ["go.mod", "go.sum"]) h.update(fs.readFileSync(path.join(dir, f)));
    h.update(goVersion).update(m.ldflags).update(JSON.stringify(m.packages));
    return `${m.dir} ${goVersion} ${h.digest("hex").slice(0, 16)}`;
}

function stampFile(m: BuildModule): string {
    return path.join(binDir(), `.${m.dir}.stamp`);
}

/** Whether every binary of the module exists and was built from the current inputs. */
export function isBuilt(m: BuildModule): boolean {
    return Object.keys(m.packages).every((b) => fs.existsSync(bin(b))) && fs.existsSync(stampFile(m)) && fs.readFileSync(stampFile(m), "utf8").trim() === buildStamp(m);
}

/** Builds what is missing or stale; a no-op when every stamp matches. */
export function build(): void {
    fs.mkdirSync(binDir(), { recursive: true });
    for (const m of BUILD_MODULES) {
        if (isBuilt(m)) continue;
        const started = Date.now();
        const parallel = process.env.ITOPS_GO_PARALLEL ?? "2";
        log(`building ${Object.keys(m.packages).join(", ")} from tools/cluster/${m.dir} (go build -p ${parallel}; a cold build takes many minutes)`);
        const r = spawnSync("nice", ["-n", "10", goBinary(), "build", "-p", parallel, "-o", binDir() + path.sep, "-ldflags", m.ldflags, ...Object.values(m.packages)], {
            cwd: path.join(TOOL_DIR, m.dir),
            env: goEnv(),
            stdio: ["ignore", "inherit", "inherit"],
        });
        if (r.status !== 0) throw new Error(`go build in tools/cluster/${m.dir} failed (exit ${r.status})`);
        fs.writeFileSync(stampFile(m), buildStamp(m) + "\n");
        log(`built ${Object.keys(m.packages).join(", ")} in ${Math.round((Date.now() - started) / 1000)} s`);
    }
}

/** The directory of a module the build modules pin (downloaded on demand, checked against go.sum). */
export function moduleDir(buildModule: string, modulePath: string): string {
    const out = execFileSync(goBinary(), ["mod", "download", "-json", modulePath], { cwd: path.join(TOOL_DIR, buildModule), encoding: "utf8", env: goEnv() });
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(`go mod download ${modulePath}: ${info.Error ?? "no directory"}`);
    return info.Dir;
}

/** The kwok stages the simulated kubelets play (kwok's own kustomize/stage files). */
export const KWOK_STAGES = ["node/fast/node-initialize.yaml", "node/heartbeat/node-heartbeat.yaml", "pod/fast/pod-ready.yaml", "pod/fast/pod-complete.yaml", "pod/fast/pod-delete.yaml"];

/** The CRD files, in the order they are applied: the Prometheus Operator's, then the Gateway API's standard channel. */
export function crdFiles(): string[] {
    const files: string[] = [];
    const po = path.join(moduleDir("crds", "github.com/prometheus-operator/prometheus-operator"), "example", "prometheus-operator-crd");
    const gw = path.join(moduleDir("crds", "sigs.k8s.io/gateway-api"), "config", "crd", "standard");
    for (const dir of [po, gw]) {
        for (const f of fs.readdirSync(dir).sort()) {
            // The Gateway API ships a ValidatingAdmissionPolicy next to its CRDs (safe-upgrades): not a CRD.
            if (f.endsWith(".yaml") && !f.includes("_vap_")) files.push(path.join(dir, f));
        }
    }
    return files;
}

// ---------------------------------------------------------------------------------------------
// Simulated nodes: what AKS puts on its nodes, for the pools and zones of the production stack

export interface SimulatedNode {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly taints: readonly { key: string; value: string; effect: string }[];
    readonly capacity: Readonly<Record<string, string>>;
}

/** Capacity AKS reports for the VM sizes the stacks use (allocatable after AKS's reservations, rounded). */
export const VM_ALLOCATABLE: Readonly<Record<string, { cpu: string; memory: string }>> = {
    Standard_D2ds_v5: { cpu: "1900m", memory: "5Gi" },
    Standard_D4ds_v5: { cpu: "3860m", memory: "12Gi" },
    Standard_D8ds_v5: { cpu: "7820m", memory: "27Gi" },
};

/** Pools and zones of the production stack file (the nodes mirror its system and user pools). */
export function productionTopology(projectDir = REPO_DIR): { location: string; zones: string[]; systemVm: string; userVm: string } {
    const doc = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.production.yaml"), "utf8")) as { config: Record<string, any> };
    const c = doc.config;
    const cluster = c["it-ops-infra:cluster"] ?? {};
    const location = String(c["it-ops-infra:location"]);
    const zones = ((cluster.zones ?? []) as unknown[]).map(String);
    if (zones.length < 1) throw new Error("Pulumi.production.yaml: it-ops-infra:cluster.zones is empty; the simulated nodes need the production zones");
    return { location, zones, systemVm: String(cluster.systemPool?.vmSize), userVm: String(cluster.userPool?.vmSize) };
}

/** One system-mode and one user-mode node per production zone, labelled and tainted as AKS does. */
export function simulatedNodes(topology = productionTopology()): SimulatedNode[] {
    const nodes: SimulatedNode[] = [];
    for (const [pool, mode, vm] of [["system", "system", topology.systemVm], ["user", "user", topology.userVm]] as const) {
        topology.zones.forEach((zone, i) => {
            const name = `aks-${pool}-vmss00000${i}`;
            const alloc = VM_ALLOCATABLE[vm] ?? VM_ALLOCATABLE.Standard_D4ds_v5;
            nodes.push({
                name,
                labels: {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux",
                    "beta.kubernetes.io/arch": "amd64",
                    "node.kubernetes.io/instance-type": vm,
                    "topology.kubernetes.io/region": topology.location,
                    "topology.kubernetes.io/zone": `${topology.location}-${zone}`,
                    "kubernetes.azure.com/mode": mode,
                    "kubernetes.azure.com/agentpool": pool,
                    agentpool: pool,
                    "kubernetes.azure.com/role": "agent",
                    "kubernetes.azure.com/os-sku": "Ubuntu",
                },
                // A system pool created with `--node-taints CriticalAddonsOnly=true:NoSchedule`, as the program's AKS cluster does.
                taints: mode === "system" ? [{ key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" }] : [],
                capacity: { cpu: alloc.cpu, memory: alloc.memory, pods: "110", "ephemeral-storage": "100Gi" },
            });
        });
    }
    return nodes;
}

function nodeObject(n: SimulatedNode): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: n.name, labels: n.labels, annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" } },
        spec: { taints: n.taints },
        status: { allocatable: n.capacity, capacity: n.capacity, nodeInfo: { architecture: "amd64", operatingSystem: "linux", kubeletVersion: KUBERNETES_VERSION } },
    };
}

// ---------------------------------------------------------------------------------------------
// State: ports, PIDs, files

export interface ProcessRecord {
    readonly name: string;
    readonly pid: number;
    readonly exe: string;
    /** Start time of the process (clock ticks after boot, /proc/<pid>/stat field 22): guards against a reused PID. */
    readonly startTicks: string;
    readonly log: string;
}

export interface ClusterState {
    readonly dir: string;
    readonly ports: { etcdClient: number; etcdPeer: number; apiserver: number };
    readonly server: string;
    readonly kubeconfig: string;
    readonly processes: ProcessRecord[];
}

const STATE_FILE = "state.json";

export function readState(dir = stateDir()): ClusterState | undefined {
    const f = path.join(dir, STATE_FILE);
    return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, "utf8")) as ClusterState) : undefined;
}

function writeState(s: ClusterState): void {
    fs.writeFileSync(path.join(s.dir, STATE_FILE), JSON.stringify(s, null, 2) + "\n");
}

function procStartTicks(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Field 2 (comm) is in parentheses and may contain spaces: split after the last ")".
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    } catch {
        return undefined;
    }
}

/** Whether the recorded process is still the one `up` started (same PID, same start time, not a zombie). */
export function isAlive(p: ProcessRecord): boolean {
    const ticks = procStartTicks(p.pid);
    if (ticks === undefined || ticks !== p.startTicks) return false;
    try {
        const state = fs.readFileSync(`/proc/${p.pid}/stat`, "utf8");
        return state.slice(state.lastIndexOf(")") + 2, state.lastIndexOf(")") + 3) !== "Z";
    } catch {
        return false;
    }
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Certificates (openssl) and kubeconfigs

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA, the API server's serving certificate, client certificates and the service-account key pair. */
function makePki(pki: string): void {
    fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=itops-test-cluster-ca"], pki);
    const sign = (name: string, subj: string, ext: string) => {
        openssl(["req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj], pki);
        fs.writeFileSync(path.join(pki, `${name}.ext`), ext);
        openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "30", "-extfile", `${name}.ext`], pki);
        fs.rmSync(path.join(pki, `${name}.csr`));
        fs.rmSync(path.join(pki, `${name}.ext`));
    };
    const client = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n";
    sign(
        "apiserver",
        "/CN=kube-apiserver",
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" +
            "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n",
    );
    sign("admin", "/O=system:masters/CN=itops-test-admin", client);
    sign("controller-manager", "/CN=system:kube-controller-manager", client);
    sign("scheduler", "/CN=system:kube-scheduler", client);
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "sa.key"], pki);
    openssl(["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"], pki);
}

function kubeconfigText(server: string, pki: string, user: string): string {
    const b64 = (f: string) => fs.readFileSync(path.join(pki, f)).toString("base64");
    return YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "itops-test", cluster: { server, "certificate-authority-data": b64("ca.crt") } }],
        users: [{ name: user, user: { "client-certificate-data": b64(`${user}.crt`), "client-key-data": b64(`${user}.key`) } }],
        contexts: [{ name: "itops-test", context: { cluster: "itops-test", user } }],
        "current-context": "itops-test",
    });
}

// ---------------------------------------------------------------------------------------------
// Talking to the API server (admin client certificate)

export interface ApiResponse {
    readonly status: number;
    readonly body: any;
    /** The text of every `Warning` response header (admission warnings such as Pod Security's). */
    readonly warnings: string[];
}

export interface ApiRequestOptions {
    /** An object (sent as JSON) or text. */
    readonly body?: unknown;
    /** @default "application/json" when there is a body */
    readonly contentType?: string;
    /** @default 10000 */
    readonly timeoutMs?: number;
}

/** Parses `299 - "text"` Warning header values (RFC 7234 warn-text, backslash-escaped). */
export function warningTexts(values: readonly string[]): string[] {
    const out: string[] = [];
    for (const v of values) for (const m of v.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) out.push(m[1].replace(/\\(.)/g, "$1"));
    return out;
}

/** One request to the API server as the cluster admin (client certificate). */
export function apiRequest(dir: string, server: string, method: string, urlPath: string, opts: ApiRequestOptions = {}): Promise<ApiResponse> {
    const pki = path.join(dir, "pki");
    const u = new URL(urlPath, server);
    const payload = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
        const req = https.request(
            {
                host: u.hostname,
                port: u.port,
                path: u.pathname + u.search,
                method,
                ca: fs.readFileSync(path.join(pki, "ca.crt")),
                cert: fs.readFileSync(path.join(pki, "admin.crt")),
                key: fs.readFileSync(path.join(pki, "admin.key")),
                headers: payload === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": opts.contentType ?? "application/json" },
                timeout: opts.timeoutMs ?? 10_000,
            },
            (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (c) => (text += c));
                res.on("end", () => {
                    let parsed: unknown = text;
                    try {
                        parsed = JSON.parse(text);
                    } catch {
                        /* plain text (readyz) */
                    }
                    const raw = res.rawHeaders;
                    const warnings = warningTexts(raw.filter((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === "warning"));
                    resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
        req.on("error", reject);
        if (payload !== undefined) req.write(payload);
        req.end();
    });
}

function httpGet(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: 2000 }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve(text));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; fails naming `what` and the log to read. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, procs: ProcessRecord[] = []): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
        for (const p of procs) if (!isAlive(p)) throw new Error(`${p.name} exited while waiting for ${what}; last lines of ${p.log}:\n${tail(p.log)}`);
        try {
            if (await check()) return;
        } catch (e) {
            last = (e as Error).message;
        }
        await sleep(250);
    }
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (${last})` : ""}${procs.length ? `; see ${procs.map((p) => p.log).join(", ")}` : ""}`);
}

function tail(file: string, lines = 15): string {
    try {
        return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

// ---------------------------------------------------------------------------------------------
// up / down / status

const TIMEOUT_MS = Number(process.env.ITOPS_CLUSTER_TIMEOUT_SECONDS ?? 180) * 1000;

function etcdBinary(): string {
    for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/bin"]) if (dir && fs.existsSync(path.join(dir, "etcd"))) return path.join(dir, "etcd");
    throw new Error("etcd is not installed: apt-get install etcd-server (Debian's package; .ci/run installs it)");
}

function startProcess(dir: string, name: string, exe: string, args: string[], env: NodeJS.ProcessEnv = process.env): ProcessRecord {
    const logFile = path.join(dir, "logs", `${name}.log`);
    const fd = fs.openSync(logFile, "a");
    // Its own session (detached): it outlives `npm run cluster -- up`, and a Ctrl-C of the caller does not reach it.
    const child = spawn(exe, args, { detached: true, stdio: ["ignore", fd, fd], env });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${exe}`);
    child.unref();
    let ticks: string | undefined;
    for (let i = 0; i < 50 && ticks === undefined; i++) ticks = procStartTicks(child.pid);
    if (ticks === undefined) throw new Error(`${name} exited at once; last lines of ${logFile}:\n${tail(logFile)}`);
    return { name, pid: child.pid, exe, startTicks: ticks, log: logFile };
}

/** Whether the control plane in `dir` runs completely. */
export function isRunning(dir = stateDir()): boolean {
    const s = readState(dir);
    return !!s && s.processes.length === COMPONENTS.length && s.processes.every(isAlive);
}

const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;

/**
 * Starts the control plane in `dir` (idempotent: a running one is reused; a partly running one
 * is stopped and started afresh). Returns the state, whose `kubeconfig` is the admin kubeconfig.
 */
export async function up(dir = stateDir()): Promise<ClusterState> {
    if (isRunning(dir)) {
        const s = readState(dir)!;
        const ready = await apiRequest(dir, s.server, "GET", "/readyz").then((r) => r.status === 200, () => false);
        if (ready) {
            log(`already running (${dir})`);
            return s;
        }
    }
    if (readState(dir) || fs.existsSync(dir)) await down(dir);
    build();
    const etcd = etcdBinary();
    const stages = KWOK_STAGES.map((s) => path.join(moduleDir("kwok", "sigs.k8s.io/kwok"), "kustomize", "stage", s));
    const nodes = simulatedNodes();

    fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
    const pki = path.join(dir, "pki");
    makePki(pki);
    const ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort() };
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigText(server, pki, "admin"), { mode: 0o600 });
    for (const user of ["controller-manager", "scheduler"]) fs.writeFileSync(path.join(dir, `${user}.kubeconfig`), kubeconfigText(server, pki, user), { mode: 0o600 });
    // Pod Security: namespaces decide (enforce privileged by default, as on AKS); every pod outside
    // `restricted` also gets a warning and an audit annotation, so nothing slips by unnoticed.
    fs.writeFileSync(
        path.join(dir, "admission.yaml"),
        YAML.stringify({
            apiVersion: "apiserver.config.k8s.io/v1",
            kind: "AdmissionConfiguration",
            plugins: [
                {
                    name: "PodSecurity",
                    configuration: {
                        apiVersion: "pod-security.admission.config.k8s.io/v1",
                        kind: "PodSecurityConfiguration",
                        defaults: { enforce: "privileged", "enforce-version": "latest", audit: "restricted", "audit-version": "latest", warn: "restricted", "warn-version": "latest" },
                        exemptions: { usernames: [], runtimeClasses: [], namespaces: ["kube-system"] },
                    },
                },
            ],
        }),
    );
    fs.writeFileSync(path.join(dir, "kwok-stages.yaml"), stages.map((f) => fs.readFileSync(f, "utf8").trim()).join("\n---\n") + "\n");
    const kwokHome = path.join(dir, "kwok-home");
    fs.mkdirSync(kwokHome);

    const processes: ProcessRecord[] = [];
    const state: ClusterState = { dir, ports, server, kubeconfig, processes };
    const record = (p: ProcessRecord) => {
        processes.push(p);
        writeState(state);
        return p;
    };
    writeState(state);
    try {
        const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
        const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
        const etcdProc = record(
            startProcess(dir, "etcd", etcd, [
                "--name=itops-test",
                `--data-dir=${path.join(dir, "etcd")}`,
                `--listen-client-urls=${etcdUrl}`,
                `--advertise-client-urls=${etcdUrl}`,
                `--listen-peer-urls=${peerUrl}`,
                `--initial-advertise-peer-urls=${peerUrl}`,
                `--initial-cluster=itops-test=${peerUrl}`,
                "--initial-cluster-state=new",
                "--log-level=warn",
            ]),
        );
        await waitFor("etcd", async () => (await httpGet(`${etcdUrl}/health`)).includes('"health":"true"'), TIMEOUT_MS, [etcdProc]);

        const api = record(
            startProcess(dir, "kube-apiserver", bin("kube-apiserver"), [
                `--etcd-servers=${etcdUrl}`,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                `--secure-port=${ports.apiserver}`,
                `--tls-cert-file=${pki}/apiserver.crt`,
                `--tls-private-key-file=${pki}/apiserver.key`,
                `--client-ca-file=${pki}/ca.crt`,
                `--service-account-key-file=${pki}/sa.pub`,
                `--service-account-signing-key-file=${pki}/sa.key`,
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-cluster-ip-range=10.96.0.0/16",
                "--authorization-mode=RBAC",
                // As AKS: privileged containers are allowed by the API server; Pod Security decides per namespace.
                "--allow-privileged=true",
                "--enable-admission-plugins=PodSecurity",
                `--admission-control-config-file=${path.join(dir, "admission.yaml")}`,
                // The `kubernetes` Service's endpoint would be 127.0.0.1, which EndpointSlices refuse.
                "--endpoint-reconciler-type=none",
                "--profiling=false",
                "--v=1",
            ]),
        );
        await waitFor("kube-apiserver /readyz", async () => (await apiRequest(dir, server, "GET", "/readyz", { timeoutMs: 3000 })).status === 200, TIMEOUT_MS, [etcdProc, api]);

        const kcm = record(
            startProcess(dir, "kube-controller-manager", bin("kube-controller-manager"), [
                `--kubeconfig=${path.join(dir, "controller-manager.kubeconfig")}`,
                "--secure-port=0",
                "--use-service-account-credentials=true",
                `--service-account-private-key-file=${pki}/sa.key`,
                `--root-ca-file=${pki}/ca.crt`,
                `--cluster-signing-cert-file=${pki}/ca.crt`,
                `--cluster-signing-key-file=${pki}/ca.key`,
                // kwok's node-heartbeat stage reports every 20–45 s: give it room before a node counts as lost.
                "--node-monitor-grace-period=120s",
                "--profiling=false",
                "--v=1",
            ]),
        );
        const sched = record(
            startProcess(dir, "kube-scheduler", bin("kube-scheduler"), [
                `--kubeconfig=${path.join(dir, "scheduler.kubeconfig")}`,
                `--authentication-kubeconfig=${path.join(dir, "scheduler.kubeconfig")}`,
                `--authorization-kubeconfig=${path.join(dir, "scheduler.kubeconfig")}`,
                "--secure-port=0",
                "--profiling=false",
                "--v=1",
            ]),
        );
        const kwok = record(
            startProcess(
                dir,
                "kwok",
                bin("kwok"),
                [
                    `--kubeconfig=${kubeconfig}`,
                    `--config=${path.join(dir, "kwok-stages.yaml")}`,
                    "--manage-all-nodes=false",
                    "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                    "--cidr=10.244.0.0/16",
                    "--node-ip=10.224.0.4",
                ],
                // kwok reads ~/.kwok/kwok.yaml when it exists: keep the user's out.
                { ...process.env, HOME: kwokHome },
            ),
        );
        const all = [etcdProc, api, kcm, sched, kwok];
        for (const lease of ["kube-controller-manager", "kube-scheduler"]) {
            await waitFor(`${lease} (its leader lease)`, async () => (await apiRequest(dir, server, "GET", `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`)).status === 200, TIMEOUT_MS, all);
        }
        for (const n of nodes) {
            const r = await apiRequest(dir, server, "POST", "/api/v1/nodes", { body: nodeObject(n) });
            if (r.status !== 201 && r.status !== 409) throw new Error(`creating node ${n.name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
        }
        await waitFor(
            `${nodes.length} simulated nodes Ready (kwok)`,
            async () => {
                const r = await apiRequest(dir, server, "GET", "/api/v1/nodes");
                const ready = (r.body.items ?? []).filter((n: any) => n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"));
                return ready.length === nodes.length;
            },
            TIMEOUT_MS,
            all,
        );
        await waitFor("the default ServiceAccount (controller manager)", async () => (await apiRequest(dir, server, "GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200, TIMEOUT_MS, all);
    } catch (e) {
        log(`up failed: ${(e as Error).message}`);
        await down(dir);
        throw e;
    }
    log(`up: API server ${server}, ${nodes.length} nodes (${dir})`);
    return state;
}

/** Stops exactly the recorded processes (SIGTERM, then SIGKILL after 15 s) and removes the state dir. */
export async function down(dir = stateDir()): Promise<void> {
    const s = readState(dir);
    const stopped: string[] = [];
    for (const p of [...(s?.processes ?? [])].reverse()) {
        if (!isAlive(p)) continue;
        stopped.push(`${p.name} (${p.pid})`);
        try {
            process.kill(p.pid, "SIGTERM");
        } catch {
            continue;
        }
        const deadline = Date.now() + 15_000;
        while (isAlive(p) && Date.now() < deadline) await sleep(100);
        if (isAlive(p)) {
            log(`${p.name} (pid ${p.pid}) ignored SIGTERM; sending SIGKILL`);
            try {
                process.kill(p.pid, "SIGKILL");
            } catch {
                /* gone */
            }
            while (isAlive(p)) await sleep(50);
        }
    }
    if (s) log(`down: stopped ${stopped.join(", ") || "nothing (no recorded process was running)"}`);
    // Only ever remove a directory this tool made (its state file or nothing but its own files in it).
    if (fs.existsSync(dir)) {
        const entries = fs.readdirSync(dir);
        const ours = new Set([STATE_FILE, "logs", "pki", "etcd", "kubeconfig", "controller-manager.kubeconfig", "scheduler.kubeconfig", "admission.yaml", "kwok-stages.yaml", "kwok-home"]);
        const foreign = entries.filter((e) => !ours.has(e));
        if (foreign.length) throw new Error(`${dir} holds files this tool did not write (${foreign.join(", ")}); not removing it`);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export interface ComponentStatus {
    readonly name: string;
    readonly pid?: number;
    readonly running: boolean;
}

export function status(dir = stateDir()): { running: boolean; components: ComponentStatus[]; state?: ClusterState } {
    const s = readState(dir);
    const components = COMPONENTS.map((name) => {
        const p = s?.processes.find((x) => x.name === name);
        return { name, pid: p?.pid, running: !!p && isAlive(p) };
    });
    return { running: components.every((c) => c.running), components, state: s };
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = "usage: npm run cluster -- up|down|status|build|env|crds";

async function main(argv: string[]): Promise<number> {
    const cmd = argv[0];
    if (argv.length !== 1) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
    switch (cmd) {
        case "up": {
            const s = await up();
            process.stdout.write(`${s.kubeconfig}\n`);
            return 0;
        }
        case "down":
            await down();
            return 0;
        case "status": {
            const st = status();
            for (const c of st.components) process.stdout.write(`${c.name.padEnd(24)} ${c.running ? `running (pid ${c.pid})` : c.pid ? `stopped (was pid ${c.pid})` : "not started"}\n`);
            if (st.state) process.stdout.write(`server                   ${st.state.server}\nkubeconfig               ${st.state.kubeconfig}\n`);
            return st.running ? 0 : 1;
        }
        case "build":
            build();
            for (const m of BUILD_MODULES) for (const b of Object.keys(m.packages)) process.stdout.write(`${bin(b)}\n`);
            return 0;
        case "env":
            process.stdout.write(`export KUBECONFIG=${path.join(stateDir(), "kubeconfig")}\nexport PATH=${binDir()}:$PATH\n`);
            return 0;
        case "crds":
            for (const f of crdFiles()) process.stdout.write(`${f}\n`);
            return 0;
        default:
            process.stderr.write(`unknown command ${JSON.stringify(cmd)}; ${USAGE}\n`);
            return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`cluster: error: ${(e as Error).message}\n`);
            process.exit(1);
        },
    );
}
