/**
 * The operations handbook: every daily/weekly/monthly task of the plan (§5) is in
 * docs/operations.md with a concrete command, dashboard or alert; the PromQL it quotes parses;
 * incident levels, response times and on-call model are in docs/incident-response.md; the patch
 * windows in docs/maintenance.md match the stack files.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as YAML from "yaml";
import { PROJECT_DIR } from "./helpers";
import { promtoolCheckRules } from "./tools";

const doc = (name: string) => fs.readFileSync(path.join(PROJECT_DIR, "docs", name), "utf8");

/** The plan's tasks (展開・移行計画書 §5.1–5.3), by section heading of docs/operations.md. */
const PLAN_TASKS: Record<string, string[]> = {
    "Daily tasks (日次運用タスク)": ["システム状態確認", "バックアップ確認", "ログ確認", "アラート確認"],
    "Weekly tasks (週次運用タスク)": ["パフォーマンス分析", "キャパシティ確認", "セキュリティチェック", "定期メンテナンス"],
    "Monthly tasks (月次運用タスク)": ["システム全体診断", "パフォーマンスレポート作成", "セキュリティレポート作成", "改善提案作成"],
};

/** Dashboards a row may name: the program's own and kube-prometheus-stack's defaults. */
const DASHBOARDS = ["IT-Ops monthly report", "Kubernetes / Compute Resources / Namespace (Pods)", "Kubernetes / Compute Resources / Cluster", "Alertmanager / Overview"];
const COMMAND = /`(kubectl|az|amtool|pulumi|npm|gh|scripts\/verify-staging\.sh) [^`]+`/;

/** The lines of one `## heading` section. */
function section(text: string, heading: string): string {
    const start = text.indexOf(`## ${heading}\n`);
    assert.ok(start >= 0, `section "${heading}" missing`);
    const rest = text.slice(start + heading.length + 4);
    const end = rest.search(/^## /m);
    return end < 0 ? rest : rest.slice(0, end);
}

/** Table rows `| a | b | c |` (cells split on unescaped pipes). */
function rows(text: string): string[][] {
    return text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("| ") && !/^\|\s*-/.test(l)).map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
}

describe("docs/operations.md", () => {
    const ops = doc("operations.md");

    for (const [heading, tasks] of Object.entries(PLAN_TASKS)) {
        for (const task of tasks) {
            it(`${heading}: ${task} has a command, dashboard or alert`, () => {
                const row = rows(section(ops, heading)).find((r) => r[0].includes(`(${task})`));
                assert.ok(row, `no table row for ${task} under ${heading}`);
                const how = row[1];
                const commands = how.match(new RegExp(COMMAND.source, "g")) ?? [];
                const dashboards = [...how.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]);
                for (const d of dashboards) assert.ok(DASHBOARDS.includes(d), `unknown dashboard "${d}" for ${task}`);
                assert.ok(commands.length + dashboards.length > 0, `${task}: "${how}" names no command or dashboard`);
                assert.ok(row[2] && row[2].length > 10, `${task}: says what to look for`);
            });
        }
    }

    it("quotes only PromQL that parses (promtool)", () => {
        const exprs = [...ops.matchAll(/Prometheus: `([^`]+)`/g)].map((m) => m[1].replace(/\$NS/g, "production").replace(/\\\|/g, "|"));
        assert.ok(exprs.length >= 2);
        const res = promtoolCheckRules(YAML.stringify({ groups: [{ name: "ops-doc", rules: exprs.map((expr, i) => ({ record: `ops:doc_${i}`, expr })) }] }));
        assert.equal(res.status, 0, res.stdout + res.stderr);
    });

    it("links only to files that exist", () => {
        for (const name of ["operations.md", "incident-response.md", "maintenance.md"]) {
            for (const m of doc(name).matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)) {
                if (/^https?:/.test(m[1])) continue;
                assert.ok(fs.existsSync(path.join(PROJECT_DIR, "docs", m[1])), `${name} links to missing ${m[1]}`);
            }
        }
        assert.ok(fs.existsSync(path.join(PROJECT_DIR, "scripts", "verify-staging.sh")));
        assert.ok(fs.existsSync(path.join(PROJECT_DIR, ".github", "workflows", "image-scan.yml")));
    });
});

describe("docs/incident-response.md", () => {
    const ir = doc("incident-response.md");
    it("defines levels 1–4 with the plan's definitions and response times", () => {
        const levels = rows(section(ir, "Severity levels")).slice(1);
        const expected: [string, string, RegExp][] = [
            ["**Level 1**", "システム停止", /within 30 minutes/],
            ["**Level 2**", "重要機能停止", /within 2 hours/],
            ["**Level 3**", "一部機能障害", /within 24 hours/],
            ["**Level 4**", "軽微な問題", /planned/],
        ];
        assert.equal(levels.length, 4);
        expected.forEach(([level, plan, time], i) => {
            assert.equal(levels[i][0], level);
            assert.equal(levels[i][1], plan);
            assert.match(levels[i][4], time);
        });
    });
    it("maps every alert severity to routing and covers the on-call model and escalation", () => {
        const routing = rows(section(ir, "How the alerts implement the levels"));
        for (const sev of ["level1", "level2", "level3", "level4"]) assert.ok(routing.some((r) => r[0] === `\`${sev}\``), sev);
        const oncall = section(ir, "On-call model (オンコール体制)");
        assert.match(oncall, /平日日中/);
        assert.match(oncall, /一次対応チーム/);
        assert.match(oncall, /夜間休日/);
        assert.match(oncall, /輪番制/);
        assert.match(section(ir, "Escalation route (エスカレーションルート)"), /Secondary on-call[\s\S]*Operations lead/);
    });
});

describe("docs/maintenance.md", () => {
    const mt = doc("maintenance.md");
    it("names the maintenance configurations and the staging-first test commands", () => {
        for (const s of ["cluster.upgradeWindow", "cluster.nodeOsWindow", "aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule", "npm run synth -- --stack staging", "pulumi preview --stack staging", "scripts/verify-staging.sh staging", "## Kubernetes version upgrades", "## Chart and image upgrades"]) {
            assert.ok(mt.includes(s), s);
        }
    });
    it("states production's windows as Pulumi.production.yaml sets them", () => {
        const stack = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.production.yaml"), "utf8")).config["it-ops-infra:cluster"];
        const end = (start: string, hours: number) => `${String((Number(start.slice(0, 2)) + hours) % 24).padStart(2, "0")}${start.slice(2)}`;
        for (const [key, w] of [["cluster.upgradeWindow", stack.upgradeWindow], ["cluster.nodeOsWindow", stack.nodeOsWindow]]) {
            const row = rows(section(mt, "Patch windows (パッチ適用計画)")).find((r) => r[0] === `\`${key}\``);
            assert.ok(row, key);
            assert.equal(w.utcOffset, "+09:00");
            assert.match(row[3], new RegExp(`^${w.dayOfWeek} ${w.startTime}–${end(w.startTime, w.durationHours)} JST`), key);
        }
    });
});
