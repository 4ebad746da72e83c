/**
 * The Alertmanager configuration (on-call routing), built as plain data from the typed on-call
 * settings and handed whole to kube-prometheus-stack (`alertmanager.config`).
 *
 * Receiver secrets (webhook / Slack URLs, PagerDuty routing keys, Opsgenie API keys, SMTP
 * passwords) are never part of the configuration: they live in one Kubernetes Secret that the
 * Alertmanager pods mount (`alertmanager.alertmanagerSpec.secrets`) and the configuration points
 * at the mounted files (`url_file`, `api_url_file`, `routing_key_file`, `api_key_file`,
 * `auth_password_file`). So the configuration rendered here is exactly what Alertmanager loads
 * and what `amtool check-config` checks, with nothing to redact.
 *
 * Routing (all times in the configured time zone, `Asia/Tokyo` by default):
 * - escalation alerts (`escalation="true"`) → escalation receiver, at any time (then continue);
 * - level1 / level2 → first-line team in business hours (not on holidays), the on-call rotation
 *   off-hours and on holidays. The first-line route has `continue: true` and the two routes'
 *   active intervals cover every instant, so no level-1/2 alert can end muted;
 * - level3 → first-line team in business hours (held until the next business hours otherwise);
 * - level4 and anything unmatched (e.g. the chart's own critical/warning rules) → ticket queue;
 * - the chart's `Watchdog` / `InfoInhibitor` → a receiver without integrations.
 */
import { Severity, SEVERITIES } from "./alert-rule";

export const RECEIVER_KINDS = ["webhook", "slack", "email", "pagerduty", "opsgenie"] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];

/** The on-call roles that receive alerts. */
export const ONCALL_ROLES = ["firstLine", "rotation", "escalation", "ticketQueue"] as const;
export type OnCallRole = (typeof ONCALL_ROLES)[number];

/** Alertmanager receiver name of each role. */
export const RECEIVER_NAMES: Readonly<Record<OnCallRole, string>> = {
    firstLine: "first-line",
    rotation: "oncall-rotation",
    escalation: "escalation",
    ticketQueue: "ticket-queue",
};

export const WEEKDAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

/** Where one role's notifications go. The secret itself is not here (see {@link receiverSecretKey}). */
export interface ReceiverSpec {
    readonly kind: ReceiverKind;
    /** Slack channel (`#it-ops`). Slack only. */
    readonly channel?: string;
    /** E-mail recipient, sender, SMTP smarthost (`host:port`) and SMTP user. E-mail only. */
    readonly to?: string;
    readonly from?: string;
    readonly smarthost?: string;
    readonly authUsername?: string;
    /** Whether the receiver has a secret (always, except e-mail without SMTP authentication). */
    readonly hasSecret: boolean;
}

export interface BusinessHours {
    /** `HH:MM`, inclusive. */
    readonly start: string;
    /** `HH:MM` (or `24:00`), exclusive. */
    readonly end: string;
    readonly weekdays: readonly WeekdayName[];
}

/** The typed on-call settings. */
export interface OnCallSpec {
    /** IANA time zone of every time interval. */
    readonly timezone: string;
    readonly businessHours: BusinessHours;
    /** Holidays (`YYYY-MM-DD`) in {@link timezone}: no first-line team, the rotation takes level 1-2. */
    readonly holidays: readonly string[];
    readonly receivers: Readonly<Record<OnCallRole, ReceiverSpec>>;
    /** How often a still-firing alert is notified again, per level. */
    readonly repeatIntervals: Readonly<Record<Severity, string>>;
    readonly groupBy: readonly string[];
    readonly groupWait: string;
    readonly groupInterval: string;
    readonly resolveTimeout: string;
}

export interface AlertmanagerConfigOptions {
    /** The Kubernetes Secret (in Alertmanager's namespace, listed in `alertmanagerSpec.secrets`) holding the receiver secrets. */
    readonly secretName: string;
    /** Where the operator mounts listed secrets. @default "/etc/alertmanager/secrets" */
    readonly secretsDir?: string;
}

/**
 * Receiver without integrations for kube-prometheus-stack's always-firing `Watchdog` (a dead man's
 * switch for an external heartbeat service) and its `InfoInhibitor` helper alert.
 */
export const NULL_RECEIVER = "null";
export const SILENT_ALERTS = ["Watchdog", "InfoInhibitor"] as const;

export const BUSINESS_HOURS = "business-hours";
export const OFF_HOURS = "off-hours";
export const HOLIDAYS = "holidays";

/** The key of a role's secret in the receiver Secret. */
export function receiverSecretKey(role: OnCallRole): string {
    const kebab = RECEIVER_NAMES[role];
    return `${kebab}-secret`;
}

/** The file a role's secret is mounted at inside the Alertmanager pods. */
export function receiverSecretFile(role: OnCallRole, opts: AlertmanagerConfigOptions): string {
    return `${opts.secretsDir ?? "/etc/alertmanager/secrets"}/${opts.secretName}/${receiverSecretKey(role)}`;
}

function receiverConfig(role: OnCallRole, r: ReceiverSpec, opts: AlertmanagerConfigOptions): Record<string, unknown> {
    const file = receiverSecretFile(role, opts);
    const base = { name: RECEIVER_NAMES[role] };
    switch (r.kind) {
        case "webhook":
            return { ...base, webhook_configs: [{ url_file: file, send_resolved: true }] };
        case "slack":
            return { ...base, slack_configs: [{ api_url_file: file, channel: r.channel, send_resolved: true }] };
        case "pagerduty":
            return { ...base, pagerduty_configs: [{ routing_key_file: file, send_resolved: true }] };
        case "opsgenie":
            return { ...base, opsgenie_configs: [{ api_key_file: file, send_resolved: true }] };
        case "email":
            return {
                ...base,
                email_configs: [
                    {
                        to: r.to,
                        from: r.from,
                        smarthost: r.smarthost,
                        ...(r.authUsername ? { auth_username: r.authUsername } : {}),
                        ...(r.hasSecret ? { auth_password_file: file } : {}),
                        require_tls: true,
                        send_resolved: true,
                    },
                ],
            };
    }
}

function minutes(hhmm: string): number {
    const [h, m] = hhmm.split(":").map(Number);
    return h * 60 + m;
}

/** The named time intervals: business hours, their complement, and the holidays. */
export function timeIntervals(o: OnCallSpec): { name: string; time_intervals: Record<string, unknown>[] }[] {
    const location = o.timezone;
    const bh = o.businessHours;
    const bizDays = WEEKDAY_NAMES.filter((d) => bh.weekdays.includes(d));
    const otherDays = WEEKDAY_NAMES.filter((d) => !bh.weekdays.includes(d));
    const off: Record<string, unknown>[] = [];
    if (minutes(bh.start) > 0) off.push({ weekdays: bizDays, times: [{ start_time: "00:00", end_time: bh.start }], location });
    if (minutes(bh.end) < 24 * 60) off.push({ weekdays: bizDays, times: [{ start_time: bh.end, end_time: "24:00" }], location });
    if (otherDays.length) off.push({ weekdays: otherDays, location });
    const out = [
        { name: BUSINESS_HOURS, time_intervals: [{ weekdays: bizDays, times: [{ start_time: bh.start, end_time: bh.end }], location }] },
        { name: OFF_HOURS, time_intervals: off },
    ];
    if (o.holidays.length) {
        out.push({
            name: HOLIDAYS,
            time_intervals: [...o.holidays].sort().map((d) => {
                const [y, m, day] = d.split("-").map(Number);
                return { years: [String(y)], months: [String(m)], days_of_month: [String(day)], location };
            }),
        });
    }
    return out;
}

/**
 * The complete Alertmanager configuration. Every top-level key kube-prometheus-stack's default
 * `alertmanager.config` has is set, so Helm's value merge cannot leave a default behind.
 */
export function alertmanagerConfig(o: OnCallSpec, opts: AlertmanagerConfigOptions) {
    const hasHolidays = o.holidays.length > 0;
    const business = { active_time_intervals: [BUSINESS_HOURS], ...(hasHolidays ? { mute_time_intervals: [HOLIDAYS] } : {}) };
    const offHours = { active_time_intervals: hasHolidays ? [OFF_HOURS, HOLIDAYS] : [OFF_HOURS] };
    const sev = (s: Severity) => [`severity="${s}"`];
    const paging = (s: Severity) => [
        { receiver: RECEIVER_NAMES.firstLine, matchers: sev(s), ...business, repeat_interval: o.repeatIntervals[s], continue: true },
        { receiver: RECEIVER_NAMES.rotation, matchers: sev(s), ...offHours, repeat_interval: o.repeatIntervals[s] },
    ];
    return {
        global: { resolve_timeout: o.resolveTimeout },
        templates: [] as string[],
        route: {
            receiver: RECEIVER_NAMES.ticketQueue,
            group_by: [...o.groupBy],
            group_wait: o.groupWait,
            group_interval: o.groupInterval,
            repeat_interval: o.repeatIntervals.level4,
            routes: [
                { receiver: NULL_RECEIVER, matchers: [`alertname=~"${SILENT_ALERTS.join("|")}"`] },
                { receiver: RECEIVER_NAMES.escalation, matchers: ['escalation="true"'], repeat_interval: o.repeatIntervals.level1, continue: true },
                ...paging("level1"),
                ...paging("level2"),
                { receiver: RECEIVER_NAMES.firstLine, matchers: sev("level3"), ...business, repeat_interval: o.repeatIntervals.level3 },
                { receiver: RECEIVER_NAMES.ticketQueue, matchers: sev("level4"), repeat_interval: o.repeatIntervals.level4 },
            ],
        },
        inhibit_rules: [
            { source_matchers: ['severity="level1"'], target_matchers: ['severity=~"level2|level3|level4"'], equal: ["service"] },
            { source_matchers: ['severity="level2"'], target_matchers: ['severity=~"level3|level4"'], equal: ["service"] },
        ],
        receivers: [...ONCALL_ROLES.map((role) => receiverConfig(role, o.receivers[role], opts)), { name: NULL_RECEIVER }],
        time_intervals: timeIntervals(o),
    };
}

export type AlertmanagerConfig = ReturnType<typeof alertmanagerConfig>;

/** The levels in order (re-exported for tests and docs). */
export const LEVELS = SEVERITIES;
