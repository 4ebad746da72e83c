/**
 * How the database's Azure Monitor alerts reach the on-call receivers.
 *
 * Alertmanager (the on-call routing of every Prometheus alert) runs inside the private cluster, where
 * Azure Monitor cannot post to. So each alert level the database uses gets an Azure Monitor action
 * group whose receivers are the SAME on-call roles Alertmanager routes that level to (derived from
 * {@link alertmanagerConfig}, not repeated): a webhook role is called at its own URL (the receiver's
 * secret), an e-mail role at its own address; a Slack, PagerDuty or Opsgenie role through that same
 * channel's Azure Monitor integration URL (`database.alerts.receiverUrls.<role>`), since those APIs
 * do not accept Azure's common alert schema. Azure action groups have no time intervals: a level-1
 * alert reaches every role of level 1 at once (first line and rotation), a level-3 alert reaches the
 * first line at any hour (docs/database.md#alerts).
 */
import { alertmanagerConfig, OnCallRole, OnCallSpec, ONCALL_ROLES, RECEIVER_NAMES } from "../monitoring/alertmanager-config";
import { Severity } from "../monitoring/alert-rule";

/** The levels the database alerts at. */
export const DATABASE_ALERT_LEVELS = ["level1", "level3"] as const satisfies readonly Severity[];
export type DatabaseAlertLevel = (typeof DATABASE_ALERT_LEVELS)[number];

/** Azure Monitor severity (0 critical … 4 verbose) of each on-call level. */
export const AZURE_SEVERITY: Readonly<Record<Severity, number>> = { level1: 0, level2: 1, level3: 2, level4: 3 };

/** Receiver kinds Azure Monitor calls as they are (webhook: the same URL; e-mail: the same address). */
export const AZURE_NATIVE_KINDS = ["webhook", "email"] as const;

/** The on-call roles Alertmanager routes a `severity="<level>"` alert to (ignoring time intervals). */
export function rolesForLevel(oncall: OnCallSpec, level: Severity): OnCallRole[] {
    const routes = alertmanagerConfig(oncall, { secretName: "unused" }).route.routes as { receiver: string; matchers: string[] }[];
    const names = routes.filter((r) => r.matchers.length === 1 && r.matchers[0] === `severity="${level}"`).map((r) => r.receiver);
    return ONCALL_ROLES.filter((role) => names.includes(RECEIVER_NAMES[role]));
}

/** The roles that route a database alert level, each once, in role order. */
export function databaseAlertRoles(oncall: OnCallSpec): OnCallRole[] {
    const roles = new Set(DATABASE_ALERT_LEVELS.flatMap((l) => rolesForLevel(oncall, l)));
    return ONCALL_ROLES.filter((r) => roles.has(r));
}

/** Whether a role needs an Azure Monitor integration URL (its kind is not webhook or e-mail). */
export function needsIntegrationUrl(oncall: OnCallSpec, role: OnCallRole): boolean {
    return !(AZURE_NATIVE_KINDS as readonly string[]).includes(oncall.receivers[role].kind);
}
