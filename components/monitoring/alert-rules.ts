import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { AlertRuleGroupSpec, renderRuleGroups, SEVERITIES } from "./alert-rule";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";
import { labelsField } from "../shared/metadata";

const ALERT_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?$/;

/**
 * Checks a rule catalogue: group names unique, alert names PascalCase and unique across groups
 * (runbooks are per alert), valid durations and severities. Returns a problem or undefined.
 */
export function catalogueProblem(groups: readonly AlertRuleGroupSpec[]): { field: string; allowed: string; value: unknown } | undefined {
    const groupNames = new Set<string>();
    const alerts = new Set<string>();
    for (const [gi, g] of groups.entries()) {
        if (!g.name || groupNames.has(g.name)) return { field: `groups[${gi}].name`, allowed: "a unique, non-empty group name", value: g.name };
        groupNames.add(g.name);
        if (g.interval !== undefined && !DURATION.test(g.interval)) return { field: `groups[${gi}].interval`, allowed: "a duration such as 1m", value: g.interval };
        if (g.rules.length === 0) return { field: `groups[${gi}].rules`, allowed: "a non-empty list", value: g.rules };
        for (const [ri, r] of g.rules.entries()) {
            const f = `groups[${gi}].rules[${ri}]`;
            if (!ALERT_NAME.test(r.alert)) return { field: `${f}.alert`, allowed: "a PascalCase alert name", value: r.alert };
            if (alerts.has(r.alert)) return { field: `${f}.alert`, allowed: "an alert name not used by another rule", value: r.alert };
            alerts.add(r.alert);
            if (!r.expr.trim()) return { field: `${f}.expr`, allowed: "a PromQL expression", value: r.expr };
            if (!DURATION.test(r.for) || r.for === "") return { field: `${f}.for`, allowed: "a duration such as 5m", value: r.for };
            if (!(SEVERITIES as readonly string[]).includes(r.severity)) return { field: `${f}.severity`, allowed: `one of ${SEVERITIES.join(", ")}`, value: r.severity };
            if (!/^[a-z0-9-]+\.md$/.test(r.runbook)) return { field: `${f}.runbook`, allowed: "a runbook file name such as high-cpu-usage.md", value: r.runbook };
            if (!r.summary || !r.description) return { field: `${f}.summary`, allowed: "a summary and a description", value: r.summary };
        }
    }
    return undefined;
}

export interface AlertRulesArgs {
    readonly namespace: pulumi.Input<string>;
    /** The rule catalogue (every part's groups). */
    readonly groups: readonly AlertRuleGroupSpec[];
    /** URL prefix of docs/runbooks/. */
    readonly runbookBaseUrl: string;
    /** Extra labels of the PrometheusRule. @default {} */
    readonly labels?: Record<string, string>;
}

/** A `monitoring.coreos.com/v1` PrometheusRule rendered from the typed rule catalogue. */
export class AlertRules extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;
    /** The rule groups as Prometheus loads them (the PrometheusRule's spec). */
    public readonly spec: ReturnType<typeof renderRuleGroups>;

    constructor(name: string, args: AlertRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:monitoring:AlertRules", name, {}, opts);
        const v = new ArgsValidator(`AlertRules ${name}`);
        v.matches("name", name, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.nonEmpty("groups", args.groups);
        const problem = catalogueProblem(args.groups);
        if (problem) throw v.fail(problem.field, problem.allowed, problem.value);
        v.matches("runbookBaseUrl", args.runbookBaseUrl, /^https?:\/\/\S+$/, "an http(s) URL");

        this.spec = renderRuleGroups(args.groups, { runbookBaseUrl: args.runbookBaseUrl });
        const rule = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name, namespace: args.namespace, ...labelsField(args.labels) },
                spec: this.spec,
            },
            // The CRDs (passed as dependsOn by the composition) must exist before this object.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        this.name = rule.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
