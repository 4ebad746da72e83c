/**
 * The k6 script (components/verification/container-scripts/load-test.js) run for real with the `k6` binary (.ci/run builds
 * go.k6.io/k6 at the version of the Job's image) against a local HTTP server on 127.0.0.1, with
 * the command line and environment the Job uses (k6Args/k6Env): a fast server meets the
 * thresholds (exit 0), a slow or failing one misses them (exit 99); the HPA scaling check
 * passes against a fake HPA that scales and fails against one that does not; metrics reach a
 * Prometheus remote-write endpoint. Runs are a few seconds at a fixed arrival rate.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { describe, it } from "node:test";
import { K6_SCRIPT_PATH, k6Args, k6Env, LoadProfile } from "../components/verification/load-test";
import { requireTool, tempFiles } from "./tools";

const HPA_PATH = "/apis/autoscaling/v2/namespaces/staging/horizontalpodautoscalers/it-ops-system";
const TOKEN = "test-token-123";

interface ServerState {
    delayMs: number;
    status: number;
    /** HPA replicas per read (the last one repeats). */
    replicas: number[];
    hits: number;
    hpaReads: number;
    hpaUnauthorized: number;
    remoteWrites: number;
    remoteWriteTypes: Set<string>;
}

/** A local server for one k6 run: the workload, a fake HPA and a remote-write endpoint. */
interface TestServer {
    readonly state: ServerState;
    readonly base: string;
    close(): Promise<void>;
}

async function startServer(patch: Partial<ServerState>): Promise<TestServer> {
    const state: ServerState = { delayMs: 0, status: 200, replicas: [2], hits: 0, hpaReads: 0, hpaUnauthorized: 0, remoteWrites: 0, remoteWriteTypes: new Set(), ...patch };
    const pending = new Set<NodeJS.Timeout>();
    const server = http.createServer((req, res) => {
        if (req.url === HPA_PATH) {
            if (req.headers.authorization !== `Bearer ${TOKEN}`) {
                state.hpaUnauthorized++;
                res.writeHead(401).end();
                return;
            }
            const current = state.replicas[Math.min(state.hpaReads++, state.replicas.length - 1)];
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "HorizontalPodAutoscaler", status: { currentReplicas: current, desiredReplicas: current } }));
            return;
        }
        if (req.url === "/api/v1/write" && req.method === "POST") {
            state.remoteWrites++;
            state.remoteWriteTypes.add(String(req.headers["content-type"]));
            req.resume();
            req.on("end", () => res.writeHead(204).end());
            return;
        }
        state.hits++;
        const t = setTimeout(() => {
            pending.delete(t);
            res.writeHead(state.status, { "content-type": "text/plain" }).end("ok\n");
        }, state.delayMs);
        pending.add(t);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        state,
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        // Nothing outlives the test: delayed answers, keep-alive connections, the listener.
        close: () =>
            new Promise<void>((resolve) => {
                for (const t of pending) clearTimeout(t);
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

/** Starts a server, runs k6 against it, closes the server; the server's state is returned too. */
async function withServer(patch: Partial<ServerState>, run: (s: TestServer) => Promise<K6Run>): Promise<K6Run & { state: ServerState }> {
    const s = await startServer(patch);
    try {
        return { ...(await run(s)), state: s.state };
    } finally {
        await s.close();
    }
}

interface K6Run {
    code: number;
    summary: Record<string, any>;
    stdout: string;
    stderr: string;
}

/** Runs k6 as the Job does (k6Args + k6Env), asynchronously so that the local server keeps answering. */
function runK6(base: string, profile: Partial<LoadProfile>): Promise<K6Run> {
    const k6 = requireTool("k6");
    const p: LoadProfile = {
        targetUrl: `${base}/`, rate: 20, duration: "3s", preAllocatedVUs: 5, maxVUs: 10, p95Ms: 500, maxErrorRatio: 0.01, hpaPollSeconds: 1, minScaleUp: 1,
        ...profile,
    };
    const env: NodeJS.ProcessEnv = { ...process.env, ...k6Env(p), K6_NO_USAGE_REPORT: "true", HPA_TOKEN_FILE: path.join(tempFiles({ token: `${TOKEN}\n` }), "token") };
    delete env.SSL_CERT_FILE; // the in-cluster CA path; the test talks plain HTTP to 127.0.0.1
    return new Promise((resolve, reject) => {
        const child = spawn(k6, [...k6Args(p, K6_SCRIPT_PATH).slice(0, -1), "--no-color", K6_SCRIPT_PATH], { env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            const line = stdout.split("\n").find((l) => l.includes('"k6Summary"'));
            resolve({ code: code ?? -1, summary: line ? JSON.parse(line) : {}, stdout, stderr });
        });
    });
}

// Each test has its own server; the k6 runs (a few seconds each, mostly waiting) go concurrently.
describe("k6 load-test script (real k6)", { concurrency: true }, () => {
    it("fast server: thresholds met, exit 0, bounded request count, summary in the log", async () => {
        const r = await withServer({}, (s) => runK6(s.base, {}));
        const state = r.state;
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.summary.result, "pass");
        assert.ok(r.summary.p95Ms < 500, `p95 ${r.summary.p95Ms}`);
        assert.equal(r.summary.errorRatio, 0);
        // constant-arrival-rate: 20/s for 3 s is about 60 requests, never unbounded.
        assert.ok(state.hits >= 40 && state.hits <= 70, `hits ${state.hits}`);
        assert.equal(r.summary.hpaMaxScaleUp, null);
        assert.deepEqual(Object.values(r.summary.thresholds), [true, true]);
    });

    it("slow server: p95 threshold missed, exit 99", async () => {
        const r = await withServer({ delayMs: 600 }, (s) => runK6(s.base, { p95Ms: 300, preAllocatedVUs: 15, maxVUs: 30 }));
        assert.equal(r.code, 99, r.stdout + r.stderr);
        assert.equal(r.summary.result, "fail");
        assert.ok(r.summary.p95Ms >= 600, `p95 ${r.summary.p95Ms}`);
        assert.equal(r.summary.thresholds["http_req_duration{scenario:load}: p(95)<300"], false);
    });

    it("failing server: error-ratio threshold missed, exit 99", async () => {
        const r = await withServer({ status: 503 }, (s) => runK6(s.base, {}));
        assert.equal(r.code, 99, r.stdout + r.stderr);
        assert.equal(r.summary.errorRatio, 1);
        assert.equal(r.summary.thresholds["http_req_failed{scenario:load}: rate<0.01"], false);
    });

    it("scaling check: passes when the HPA adds replicas during the load (token sent)", async () => {
        const r = await withServer({ replicas: [2, 2, 4] }, (s) => runK6(s.base, { hpaUrl: `${s.base}${HPA_PATH}`, minScaleUp: 2 }));
        const state = r.state;
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.summary.hpaInitialReplicas, 2);
        assert.equal(r.summary.hpaMaxScaleUp, 2);
        assert.ok(state.hpaReads >= 3, `HPA read ${state.hpaReads} times`);
        assert.equal(state.hpaUnauthorized, 0);
    });

    it("scaling check: fails (exit 99) when the HPA never scales, even though latency is fine", async () => {
        const r = await withServer({ replicas: [3] }, (s) => runK6(s.base, { hpaUrl: `${s.base}${HPA_PATH}` }));
        assert.equal(r.code, 99, r.stdout + r.stderr);
        assert.equal(r.summary.hpaMaxScaleUp, 0);
        assert.equal(r.summary.thresholds["hpa_scale_up: max>=1"], false);
        assert.equal(r.summary.thresholds["http_req_duration{scenario:load}: p(95)<500"], true);
    });

    it("exports to a Prometheus remote-write endpoint with -o experimental-prometheus-rw", async () => {
        const r = await withServer({}, (s) => runK6(s.base, { prometheusRemoteWriteUrl: `${s.base}/api/v1/write` }));
        const state = r.state;
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(state.remoteWrites >= 1, "no remote-write request");
        assert.deepEqual([...state.remoteWriteTypes], ["application/x-protobuf"]);
    });
});
