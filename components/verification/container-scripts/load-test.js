// k6 load test of the IT-Ops system, shipped to the cluster in a ConfigMap and run by a Job
// (components/verification/load-test.ts). Every setting comes from the environment, so the same file runs in
// the cluster and in the tests (tests/load-test-k6.test.ts) against a local server.
//
//   TARGET_URL         the app's route (required)
//   RATE               requests per second (constant-arrival-rate)            default 10
//   DURATION           how long to hold the rate (k6 duration: 30s, 5m)       default 1m
//   PRE_VUS / MAX_VUS  virtual users pre-allocated / at most                  default 10 / 50
//   P95_MS             threshold: 95th percentile of http_req_duration (ms)   default 500
//   MAX_ERROR_RATIO    threshold: ratio of failed requests                    default 0.01
//   HPA_URL            API-server URL of the app's HPA; empty: no scaling check
//   HPA_TOKEN_FILE     bearer token for HPA_URL                               default the pod's service-account token
//   HPA_POLL_SECONDS   how often the HPA is read                              default 10
//   MIN_SCALE_UP       replicas the HPA must add over its initial count       default 1
//
// Exit codes (k6's): 0 all thresholds met, 99 a threshold was missed, others: script/run errors.
import http from "k6/http";
import { check, sleep } from "k6";
import { Trend } from "k6/metrics";

function env(name, def) {
    const v = __ENV[name];
    return v === undefined || v === "" ? def : v;
}

const TARGET_URL = env("TARGET_URL", "");
if (!TARGET_URL) throw new Error("TARGET_URL is required");
const RATE = parseInt(env("RATE", "10"), 10);
const DURATION = env("DURATION", "1m");
const PRE_VUS = parseInt(env("PRE_VUS", "10"), 10);
const MAX_VUS = parseInt(env("MAX_VUS", "50"), 10);
const P95_MS = parseFloat(env("P95_MS", "500"));
const MAX_ERROR_RATIO = parseFloat(env("MAX_ERROR_RATIO", "0.01"));
const HPA_URL = env("HPA_URL", "");
const HPA_POLL_SECONDS = parseFloat(env("HPA_POLL_SECONDS", "10"));
const MIN_SCALE_UP = parseInt(env("MIN_SCALE_UP", "1"), 10);
// open() only works in the init context; the projected token outlives any sensible run (1 h).
const HPA_TOKEN = HPA_URL ? open(env("HPA_TOKEN_FILE", "/var/run/secrets/kubernetes.io/serviceaccount/token")).trim() : "";

/** Replicas the HPA added over its count at the start of the run (one sample per poll). */
const hpaScaleUp = new Trend("hpa_scale_up");

const scenarios = {
    load: {
        executor: "constant-arrival-rate",
        exec: "load",
        rate: RATE,
        timeUnit: "1s",
        duration: DURATION,
        preAllocatedVUs: PRE_VUS,
        maxVUs: MAX_VUS,
    },
};
const thresholds = {
    "http_req_duration{scenario:load}": [`p(95)<${P95_MS}`],
    "http_req_failed{scenario:load}": [`rate<${MAX_ERROR_RATIO}`],
};
if (HPA_URL) {
    // One VU reads the HPA for as long as the load runs; the threshold fails the run when the
    // HPA never reported more replicas than at the start.
    scenarios.scaling = { executor: "constant-vus", exec: "watchHpa", vus: 1, duration: DURATION };
    thresholds.hpa_scale_up = [`max>=${MIN_SCALE_UP}`];
}

export const options = {
    scenarios,
    thresholds,
    // The summary below replaces k6's end-of-test text; keep the numbers it needs.
    summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"],
};

function readHpa() {
    const res = http.get(HPA_URL, {
        headers: { Authorization: `Bearer ${HPA_TOKEN}`, Accept: "application/json" },
        tags: { name: "hpa" },
        responseCallback: http.expectedStatuses(200),
    });
    if (res.status !== 200) return undefined;
    const status = res.json("status") || {};
    return typeof status.currentReplicas === "number" ? status.currentReplicas : undefined;
}

export function setup() {
    if (!HPA_URL) return { initialReplicas: null };
    const initialReplicas = readHpa();
    if (initialReplicas === undefined) throw new Error(`cannot read the HPA at ${HPA_URL}`);
    return { initialReplicas };
}

export function load() {
    const res = http.get(TARGET_URL, { tags: { name: "target" } });
    check(res, { "status is 2xx/3xx": (r) => r.status >= 200 && r.status < 400 });
}

export function watchHpa(data) {
    const current = readHpa();
    if (current !== undefined) hpaScaleUp.add(current - data.initialReplicas);
    sleep(HPA_POLL_SECONDS);
}

function metricValue(data, name, stat) {
    const m = data.metrics[name];
    return m && m.values && stat in m.values ? m.values[stat] : null;
}

/** One JSON line with the verdict and the numbers, in the Job log (kubectl logs job/<name>). */
export function handleSummary(data) {
    const thresholdResults = {};
    for (const [name, m] of Object.entries(data.metrics)) {
        if (!m.thresholds) continue;
        for (const [expr, t] of Object.entries(m.thresholds)) thresholdResults[`${name}: ${expr}`] = t.ok;
    }
    const passed = Object.values(thresholdResults).every((ok) => ok);
    const summary = {
        k6Summary: 1,
        result: passed ? "pass" : "fail",
        target: TARGET_URL,
        rate: RATE,
        duration: DURATION,
        requests: metricValue(data, "http_reqs", "count"),
        p95Ms: metricValue(data, "http_req_duration{scenario:load}", "p(95)"),
        errorRatio: metricValue(data, "http_req_failed{scenario:load}", "rate"),
        hpaMaxScaleUp: HPA_URL ? metricValue(data, "hpa_scale_up", "max") : null,
        hpaInitialReplicas: HPA_URL && data.setup_data ? data.setup_data.initialReplicas : null,
        thresholds: thresholdResults,
    };
    return { stdout: `${JSON.stringify(summary)}\n` };
}
