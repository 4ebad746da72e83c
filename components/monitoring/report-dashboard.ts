/**
 * The monthly performance report as a Grafana dashboard, shipped as a ConfigMap that the Grafana
 * dashboard sidecar of kube-prometheus-stack picks up (label `grafana_dashboard: "1"`). The
 * dashboard JSON is a file (`components/monitoring/dashboards/<file>`); its PromQL is checked by the tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";

export const DASHBOARD_DIR = path.join(__dirname, "dashboards");
/** Dashboards this component can ship (files under components/monitoring/dashboards/). */
export const REPORT_DASHBOARDS = ["monthly-report"] as const;
export type ReportDashboardName = (typeof REPORT_DASHBOARDS)[number];

/** The dashboard JSON text of a shipped dashboard. */
export function dashboardJson(dashboard: ReportDashboardName): string {
    return fs.readFileSync(path.join(DASHBOARD_DIR, `${dashboard}.json`), "utf8");
}

/** Every PromQL expression of a dashboard (panel targets, nested rows included). */
export function dashboardExprs(json: string): { panel: string; expr: string }[] {
    const out: { panel: string; expr: string }[] = [];
    const walk = (panels: any[]) => {
        for (const p of panels ?? []) {
            for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title, expr: t.expr });
            walk(p.panels);
        }
    };
    walk(JSON.parse(json).panels);
    return out;
}

/**
 * Grafana's variables replaced by concrete values, so that an expression can be checked by
 * promtool (`$__range` → the 30-day report range).
 */
export function substituteGrafanaVariables(expr: string, values: Readonly<Record<string, string>>): string {
    const builtins: Record<string, string> = { __range: "30d", __rate_interval: "5m", __interval: "1m" };
    return expr.replace(/\$\{?(\w+)\}?/g, (m, n: string) => values[n] ?? builtins[n] ?? m);
}

export interface ReportDashboardArgs {
    /** Namespace of Grafana (its sidecar watches it). */
    readonly namespace: string;
    /** Which dashboard. @default "monthly-report" */
    readonly dashboard?: ReportDashboardName;
    /** Grafana folder (sidecar folder annotation `grafana_folder`). @default "IT-Ops" */
    readonly folder?: string;
}

export class ReportDashboard extends pulumi.ComponentResource {
    public readonly configMapName: string;

    constructor(name: string, args: ReportDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:monitoring:ReportDashboard", name, {}, opts);
        const v = new ArgsValidator("ReportDashboard");
        v.matches("namespace", args.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        const dashboard = v.oneOf("dashboard", args.dashboard ?? "monthly-report", REPORT_DASHBOARDS);
        const folder = args.folder ?? "IT-Ops";
        if (!folder.trim()) throw v.fail("folder", "a non-empty folder name", folder);

        this.configMapName = `itops-${dashboard}-dashboard`;
        new k8s.core.v1.ConfigMap(name, {
            metadata: {
                name: this.configMapName,
                namespace: args.namespace,
                labels: { grafana_dashboard: "1", "app.kubernetes.io/part-of": "it-ops-monitoring", "app.kubernetes.io/managed-by": "pulumi" },
                annotations: { grafana_folder: folder },
            },
            data: { [`${dashboard}.json`]: dashboardJson(dashboard) },
        }, { parent: this });
        this.registerOutputs({ configMapName: this.configMapName });
    }
}
