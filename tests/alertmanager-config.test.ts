/**
 * The on-call routing: the rendered alertmanager.yaml of both stacks passes the real
 * `amtool check-config`; `amtool config routes test --verify.receivers` for every severity; and,
 * because amtool ignores time intervals, a pure evaluator over the SAME generated configuration
 * proves who is paged at sample instants, every hour of a week and every holiday.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { alertmanagerConfig, DEFAULT_HOLIDAYS, JAPANESE_PUBLIC_HOLIDAYS, OnCallSpec } from "../components/monitoring";
import { intervalContains, matcherMatches, matchingRoutes, notifiedReceivers, RoutingConfig } from "./support/alertmanager-routing";
import { parse as yamlParse } from "yaml";
import { alertmanagerConfigOf, yaml } from "../tools/render/write";
import * as fs from "node:fs";
import { render, synthCliAsync } from "./helpers";
import { run, tempFiles } from "./tools";

const FIRST = "first-line";
const ROTATION = "oncall-rotation";
const ESCALATION = "escalation";
const TICKETS = "ticket-queue";

async function renderedConfig(stack: string): Promise<RoutingConfig & Record<string, any>> {
    const r = await render(stack);
    const c = alertmanagerConfigOf(r);
    assert.ok(c, "kube-prometheus-stack values carry alertmanager.config");
    return c as RoutingConfig & Record<string, any>;
}

function amtool(config: object, args: string[]) {
    const dir = tempFiles({ "alertmanager.yaml": yaml(config) });
    return run("amtool", [...args.map((a) => a.replace("{file}", path.join(dir, "alertmanager.yaml")))]);
}

/** `YYYY-MM-DDTHH:MM` in Japan → Date. */
function jst(local: string): Date {
    return new Date(`${local}:00+09:00`);
}

const SPEC: OnCallSpec = {
    timezone: "Asia/Tokyo",
    businessHours: { start: "09:00", end: "18:00", weekdays: ["monday", "tuesday", "wednesday", "thursday", "friday"] },
    holidays: DEFAULT_HOLIDAYS,
    receivers: {
        firstLine: { kind: "slack", channel: "#it-ops", hasSecret: true },
        rotation: { kind: "pagerduty", hasSecret: true },
        escalation: { kind: "email", to: "a@example.com", from: "b@example.com", smarthost: "smtp.example.com:587", authUsername: "b@example.com", hasSecret: true },
        ticketQueue: { kind: "webhook", hasSecret: true },
    },
    repeatIntervals: { level1: "30m", level2: "2h", level3: "24h", level4: "96h" },
    groupBy: ["alertname", "service", "namespace"],
    groupWait: "30s",
    groupInterval: "5m",
    resolveTimeout: "5m",
};

describe("alertmanager.yaml (amtool)", () => {
    for (const stack of ["staging", "production"]) {
        it(`${stack}: passes amtool check-config`, async () => {
            const res = amtool(await renderedConfig(stack), ["check-config", "{file}"]);
            assert.equal(res.status, 0, res.stdout + res.stderr);
            assert.match(res.stdout, /SUCCESS/);
        });

        const table: [Record<string, string>, string[]][] = [
            [{ severity: "level1", service: "it-ops-system" }, [FIRST, ROTATION]],
            [{ severity: "level2", service: "it-ops-system" }, [FIRST, ROTATION]],
            [{ severity: "level3", service: "it-ops-system" }, [FIRST]],
            [{ severity: "level4", service: "it-ops-system" }, [TICKETS]],
            [{ severity: "level1", escalation: "true", service: "it-ops-system" }, [ESCALATION, FIRST, ROTATION]],
            [{ severity: "warning", alertname: "KubePodNotReady" }, [TICKETS]],
            [{ severity: "none", alertname: "Watchdog" }, ["null"]],
        ];
        for (const [labels, receivers] of table) {
            const text = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
            it(`${stack}: amtool config routes test ${text.join(" ")} → ${receivers.join(",")}`, async () => {
                const cfg = await renderedConfig(stack);
                const res = amtool(cfg, ["config", "routes", "test", "--config.file={file}", `--verify.receivers=${receivers.join(",")}`, ...text]);
                assert.equal(res.status, 0, res.stdout + res.stderr);
                // The evaluator's tree walk agrees with amtool's (time intervals aside).
                assert.deepEqual(matchingRoutes(cfg.route, labels).map((n) => n.receiver), receivers);
            });
        }
    }

    it("receivers hold no secret: only *_file references into the mounted receiver Secret", async () => {
        const cfg = await renderedConfig("production");
        const text = yaml(cfg);
        assert.ok(!text.includes("[secret]"));
        assert.ok(!text.includes("placeholder-for-"));
        assert.doesNotMatch(text, /\b(url|api_url|routing_key|service_key|api_key|auth_password):/);
        const files = [...text.matchAll(/_file: (\S+)/g)].map((m) => m[1]);
        assert.equal(files.length, 4);
        for (const f of files) assert.match(f, /^\/etc\/alertmanager\/secrets\/alertmanager-receivers\/[a-z-]+-secret$/);
    });

    it("repeat_interval per level: 30m, 2h, 24h, 96h (below Alertmanager's 120h retention)", async () => {
        const cfg = await renderedConfig("production");
        const byLevel: Record<string, Set<string>> = {};
        for (const r of cfg.route.routes as any[]) {
            const m = /severity="(level\d)"/.exec((r.matchers ?? []).join(","));
            if (m) (byLevel[m[1]] ??= new Set()).add(r.repeat_interval);
        }
        assert.deepEqual(Object.fromEntries(Object.entries(byLevel).map(([k, v]) => [k, [...v]])), {
            level1: ["30m"],
            level2: ["2h"],
            level3: ["24h"],
            level4: ["96h"],
        });
    });

    it("inhibition: level1 silences level 2-4 of the same service, level2 silences 3-4", async () => {
        const cfg = await renderedConfig("production");
        assert.deepEqual(cfg.inhibit_rules, [
            { source_matchers: ['severity="level1"'], target_matchers: ['severity=~"level2|level3|level4"'], equal: ["service"] },
            { source_matchers: ['severity="level2"'], target_matchers: ['severity=~"level3|level4"'], equal: ["service"] },
        ]);
    });

    it("every key of kube-prometheus-stack's default alertmanager.config is set, so no chart default is merged in", async () => {
        const cfg = await renderedConfig("staging");
        for (const k of ["global", "route", "receivers", "inhibit_rules", "templates"]) assert.ok(k in cfg, k);
        for (const k of ["receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "routes"]) assert.ok(k in cfg.route, `route.${k}`);
    });
});

describe("npm run synth writes the files the tools check", () => {
    it("both stacks: <out>/<stack>/prometheus/rules.yaml passes promtool, alertmanager/alertmanager.yaml passes amtool", async () => {
        const results = await Promise.all(["staging", "production"].map((stack) => synthCliAsync(["--stack", stack]).then((r) => ({ stack, r }))));
        for (const { stack, r } of results) {
            assert.equal(r.code, 0, r.stderr);
            const rules = path.join(r.out, stack, "prometheus", "rules.yaml");
            const am = path.join(r.out, stack, "alertmanager", "alertmanager.yaml");
            const p = run("promtool", ["check", "rules", rules]);
            assert.equal(p.status, 0, p.stdout + p.stderr);
            const a = run("amtool", ["check-config", am]);
            assert.equal(a.status, 0, a.stdout + a.stderr);
            // Exactly what kube-prometheus-stack is given.
            assert.deepEqual(yamlParse(fs.readFileSync(am, "utf8")), await renderedConfig(stack));
        }
    });
});

describe("on-call time routing (evaluator over the generated config)", () => {
    // Sample instants (JST). 2026-12-02 is a Wednesday, 2026-12-05 a Saturday, 2027-01-11 Coming-of-Age Day (Monday).
    const instants: [string, string][] = [
        ["weekday 10:00", "2026-12-02T10:00"],
        ["weekday 23:00", "2026-12-02T23:00"],
        ["Saturday 03:00", "2026-12-05T03:00"],
        ["holiday (Mon 2027-01-11) 12:00", "2027-01-11T12:00"],
        ["weekday 09:00 (first minute of business hours)", "2026-12-02T09:00"],
        ["weekday 08:59", "2026-12-02T08:59"],
        ["weekday 18:00 (first minute after)", "2026-12-02T18:00"],
    ];
    const expected: Record<string, Record<string, string[]>> = {
        "weekday 10:00": { level1: [FIRST], level2: [FIRST], level3: [FIRST] },
        "weekday 23:00": { level1: [ROTATION], level2: [ROTATION], level3: [] },
        "Saturday 03:00": { level1: [ROTATION], level2: [ROTATION], level3: [] },
        "holiday (Mon 2027-01-11) 12:00": { level1: [ROTATION], level2: [ROTATION], level3: [] },
        "weekday 09:00 (first minute of business hours)": { level1: [FIRST], level2: [FIRST], level3: [FIRST] },
        "weekday 08:59": { level1: [ROTATION], level2: [ROTATION], level3: [] },
        "weekday 18:00 (first minute after)": { level1: [ROTATION], level2: [ROTATION], level3: [] },
    };
    for (const stack of ["staging", "production"]) {
        for (const [name, local] of instants) {
            for (const level of ["level1", "level2", "level3"]) {
                it(`${stack}: ${name} JST, ${level} → ${expected[name][level].join(",") || "held (no receiver)"}`, async () => {
                    const cfg = await renderedConfig(stack);
                    assert.deepEqual(notifiedReceivers(cfg, { severity: level, service: "it-ops-system" }, jst(local)), expected[name][level]);
                });
            }
        }
        it(`${stack}: level4 goes to the ticket queue and escalations to the escalation receiver at any time`, async () => {
            const cfg = await renderedConfig(stack);
            for (const [, local] of instants) {
                assert.deepEqual(notifiedReceivers(cfg, { severity: "level4", service: "x" }, jst(local)), [TICKETS]);
                assert.ok(notifiedReceivers(cfg, { severity: "level1", escalation: "true", service: "x" }, jst(local)).includes(ESCALATION));
            }
        });
    }

    it("every minute-boundary hour of a week and every hour of every holiday leaves level 1 and 2 with exactly one paging receiver", async () => {
        const cfg = await renderedConfig("production");
        const start = jst("2026-11-30T00:00"); // a Monday
        const hours: Date[] = [];
        for (let h = 0; h < 7 * 24; h++) {
            hours.push(new Date(start.getTime() + h * 3600_000), new Date(start.getTime() + h * 3600_000 + 59 * 60_000));
        }
        for (const d of DEFAULT_HOLIDAYS) for (let h = 0; h < 24; h++) hours.push(jst(`${d}T${String(h).padStart(2, "0")}:30`));
        for (const t of hours) {
            for (const level of ["level1", "level2"]) {
                const got = notifiedReceivers(cfg, { severity: level, service: "it-ops-system" }, t);
                assert.equal(got.length, 1, `${level} at ${t.toISOString()}: ${JSON.stringify(got)}`);
            }
        }
        // And on holidays it is always the rotation.
        for (const d of DEFAULT_HOLIDAYS) {
            assert.deepEqual(notifiedReceivers(cfg, { severity: "level1", service: "s" }, jst(`${d}T10:00`)), [ROTATION], d);
        }
    });

    it("a configuration without holidays still covers every hour (no holidays interval referenced)", () => {
        const cfg = alertmanagerConfig({ ...SPEC, holidays: [] }, { secretName: "s" });
        assert.ok(!cfg.time_intervals.some((t) => t.name === "holidays"));
        const start = jst("2026-11-30T00:00");
        for (let h = 0; h < 7 * 24; h++) {
            assert.equal(notifiedReceivers(cfg, { severity: "level1" }, new Date(start.getTime() + h * 3600_000)).length, 1);
        }
    });

    it("custom business hours are honoured (08:30-17:30, Monday-Saturday)", () => {
        const cfg = alertmanagerConfig(
            { ...SPEC, businessHours: { start: "08:30", end: "17:30", weekdays: ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] } },
            { secretName: "s" },
        );
        const table: [string, string[]][] = [
            ["2026-12-05T10:00", [FIRST]], // Saturday
            ["2026-12-06T10:00", [ROTATION]], // Sunday
            ["2026-12-02T08:29", [ROTATION]],
            ["2026-12-02T08:30", [FIRST]],
            ["2026-12-02T17:29", [FIRST]],
            ["2026-12-02T17:30", [ROTATION]],
        ];
        for (const [local, want] of table) assert.deepEqual(notifiedReceivers(cfg, { severity: "level1" }, jst(local)), want, local);
    });
});

describe("evaluator primitives", () => {
    const table: [string, Record<string, string>, boolean][] = [
        ['severity="level1"', { severity: "level1" }, true],
        ['severity="level1"', { severity: "level2" }, false],
        ['severity!="level1"', {}, true],
        ['severity=~"level2|level3"', { severity: "level3" }, true],
        ['severity=~"level2|level3"', { severity: "level30" }, false],
        ['severity!~"level.*"', { severity: "critical" }, true],
    ];
    for (const [m, labels, want] of table) it(`${m} on ${JSON.stringify(labels)} → ${want}`, () => assert.equal(matcherMatches(m, labels), want));
    it("rejects a matcher it cannot parse", () => assert.throws(() => matcherMatches("severity level1", {}), /unsupported matcher/));
    it("evaluates times in the interval's location (09:00 JST is 00:00 UTC)", () => {
        const t = { weekdays: ["wednesday"], times: [{ start_time: "09:00", end_time: "18:00" }], location: "Asia/Tokyo" };
        assert.equal(intervalContains(t, new Date("2026-12-02T00:00:00Z")), true);
        assert.equal(intervalContains(t, new Date("2026-12-01T23:59:00Z")), false);
        assert.equal(intervalContains({ ...t, weekdays: ["monday:friday"] }, new Date("2026-12-04T05:00:00Z")), true);
    });
});

describe("Japanese public holidays 2026-2028", () => {
    const weekday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();
    const name = Object.fromEntries(JAPANESE_PUBLIC_HOLIDAYS);
    it("are unique, sorted and 18 / 17 / 16 per year", () => {
        assert.equal(new Set(DEFAULT_HOLIDAYS).size, DEFAULT_HOLIDAYS.length);
        assert.deepEqual([...DEFAULT_HOLIDAYS].sort(), [...DEFAULT_HOLIDAYS]);
        const per = (y: string) => DEFAULT_HOLIDAYS.filter((d) => d.startsWith(y)).length;
        assert.deepEqual([per("2026"), per("2027"), per("2028")], [18, 17, 16]);
    });
    it("Happy Monday holidays fall on the right Monday", () => {
        const nthMonday = (y: number, m: number, n: number) => {
            const first = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
            const day = 1 + ((8 - first) % 7) + (n - 1) * 7;
            return `${y}-${String(m).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
        };
        for (const y of [2026, 2027, 2028]) {
            assert.equal(name[nthMonday(y, 1, 2)], "成人の日");
            assert.equal(name[nthMonday(y, 7, 3)], "海の日");
            assert.equal(name[nthMonday(y, 9, 3)], "敬老の日");
            assert.equal(name[nthMonday(y, 10, 2)], "スポーツの日");
        }
    });
    it("every holiday on a Sunday has its substitute holiday on the next non-holiday day", () => {
        for (const [d, n] of JAPANESE_PUBLIC_HOLIDAYS) {
            if (weekday(d) !== 0 || n === "振替休日") continue;
            let next = new Date(`${d}T00:00:00Z`);
            do next = new Date(next.getTime() + 86400_000);
            while (name[next.toISOString().slice(0, 10)] && name[next.toISOString().slice(0, 10)] !== "振替休日");
            assert.equal(name[next.toISOString().slice(0, 10)], "振替休日", `substitute for ${d} ${n}`);
        }
        assert.deepEqual(
            JAPANESE_PUBLIC_HOLIDAYS.filter(([, n]) => n === "振替休日").map(([d]) => d),
            ["2026-05-06", "2027-03-22"],
        );
    });
    it("a day between two holidays is a 国民の休日 (2026-09-22)", () => {
        assert.equal(name["2026-09-22"], "国民の休日");
        assert.equal(name["2026-09-21"], "敬老の日");
        assert.equal(name["2026-09-23"], "秋分の日");
    });
});
