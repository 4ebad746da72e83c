/**
 * A small evaluator of an Alertmanager configuration's routing tree and time intervals, so tests
 * can prove who is notified at a given instant (`amtool config routes test` ignores time
 * intervals). It implements Alertmanager's semantics for what the generated configuration uses:
 * depth-first matching where a matching child ends the search among its siblings unless it has
 * `continue: true`; a node without a matching child handles the alert itself; a matched route whose
 * `active_time_intervals` are not active, or whose `mute_time_intervals` are, sends nothing (and
 * does NOT pass the alert on to its siblings). Time intervals: `times` (start inclusive, end
 * exclusive), `weekdays`, `days_of_month`, `months`, `years` (names, numbers and `a:b` ranges),
 * evaluated in the interval's `location`.
 */

export interface RouteNode {
    readonly receiver?: string;
    readonly matchers?: readonly string[];
    readonly continue?: boolean;
    readonly active_time_intervals?: readonly string[];
    readonly mute_time_intervals?: readonly string[];
    readonly routes?: readonly RouteNode[];
}

export interface TimeIntervalSpec {
    readonly times?: readonly { readonly start_time: string; readonly end_time: string }[];
    readonly weekdays?: readonly string[];
    readonly days_of_month?: readonly string[];
    readonly months?: readonly string[];
    readonly years?: readonly string[];
    readonly location?: string;
}

export interface RoutingConfig {
    readonly route: RouteNode;
    readonly time_intervals?: readonly { readonly name: string; readonly time_intervals: readonly TimeIntervalSpec[] }[];
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/** Whether one matcher (`name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`) matches the labels. */
export function matcherMatches(matcher: string, labels: Readonly<Record<string, string>>): boolean {
    const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"(.*)"\s*$/.exec(matcher);
    if (!m) throw new Error(`unsupported matcher: ${matcher}`);
    const [, name, op, value] = m;
    const v = labels[name] ?? "";
    switch (op) {
        case "=":
            return v === value;
        case "!=":
            return v !== value;
        case "=~":
            return new RegExp(`^(?:${value})$`).test(v);
        default:
            return !new RegExp(`^(?:${value})$`).test(v);
    }
}

function nodeMatches(n: RouteNode, labels: Readonly<Record<string, string>>): boolean {
    return (n.matchers ?? []).every((m) => matcherMatches(m, labels));
}

/** The routes (with their effective receiver) an alert ends at, as Alertmanager walks the tree. */
export function matchingRoutes(root: RouteNode, labels: Readonly<Record<string, string>>): (RouteNode & { receiver: string })[] {
    const walk = (n: RouteNode, receiver: string): (RouteNode & { receiver: string })[] => {
        const eff = n.receiver ?? receiver;
        const out: (RouteNode & { receiver: string })[] = [];
        for (const c of n.routes ?? []) {
            if (!nodeMatches(c, labels)) continue;
            out.push(...walk(c, eff));
            if (!c.continue) break;
        }
        return out.length ? out : [{ ...n, receiver: eff }];
    };
    if (!root.receiver) throw new Error("the root route needs a receiver");
    return walk(root, root.receiver);
}

/** One formatter per time zone: creating an Intl.DateTimeFormat costs far more than formatting with one. */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

/** Calendar fields of an instant in a time zone. */
export function localParts(instant: Date, timeZone: string) {
    let f = FORMATTERS.get(timeZone);
    if (!f) {
        f = new Intl.DateTimeFormat("en-US", {
            timeZone,
            year: "numeric",
            month: "numeric",
            day: "numeric",
            weekday: "long",
            hour: "numeric",
            minute: "numeric",
            hourCycle: "h23",
        });
        FORMATTERS.set(timeZone, f);
    }
    const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
    return {
        year: Number(p.year),
        month: Number(p.month),
        day: Number(p.day),
        weekday: WEEKDAYS.indexOf(String(p.weekday).toLowerCase()),
        minute: Number(p.hour) * 60 + Number(p.minute),
    };
}

function inRanges(value: number, ranges: readonly string[] | undefined, parse: (s: string) => number): boolean {
    if (!ranges || ranges.length === 0) return true;
    return ranges.some((r) => {
        const [a, b] = r.split(":");
        const lo = parse(a);
        const hi = b === undefined ? lo : parse(b);
        return value >= lo && value <= hi;
    });
}

function hhmm(s: string): number {
    const [h, m] = s.split(":").map(Number);
    return h * 60 + m;
}

/** Whether one time interval entry contains the instant. */
export function intervalContains(t: TimeIntervalSpec, instant: Date): boolean {
    const p = localParts(instant, t.location ?? "UTC");
    if (t.times?.length && !t.times.some((x) => p.minute >= hhmm(x.start_time) && p.minute < hhmm(x.end_time))) return false;
    if (!inRanges(p.weekday, t.weekdays, (s) => WEEKDAYS.indexOf(s.toLowerCase()))) return false;
    if (!inRanges(p.month, t.months, (s) => (/^\d+$/.test(s) ? Number(s) : MONTHS.indexOf(s.toLowerCase()) + 1))) return false;
    if (t.days_of_month?.some((d) => d.includes("-"))) throw new Error("negative days_of_month are not supported by this evaluator");
    if (!inRanges(p.day, t.days_of_month, Number)) return false;
    if (!inRanges(p.year, t.years, Number)) return false;
    return true;
}

/** Whether a named time interval is active at the instant. */
export function namedIntervalActive(cfg: RoutingConfig, name: string, instant: Date): boolean {
    const ti = (cfg.time_intervals ?? []).find((x) => x.name === name);
    if (!ti) throw new Error(`time interval ${name} is not defined`);
    return ti.time_intervals.some((t) => intervalContains(t, instant));
}

/** Whether a matched route sends notifications at the instant. */
export function routeActive(cfg: RoutingConfig, n: RouteNode, instant: Date): boolean {
    if (n.active_time_intervals?.length && !n.active_time_intervals.some((x) => namedIntervalActive(cfg, x, instant))) return false;
    if (n.mute_time_intervals?.some((x) => namedIntervalActive(cfg, x, instant))) return false;
    return true;
}

/** The receivers that are notified of an alert with these labels at the instant (sorted, unique). */
export function notifiedReceivers(cfg: RoutingConfig, labels: Readonly<Record<string, string>>, instant: Date): string[] {
    const names = matchingRoutes(cfg.route, labels)
        .filter((n) => routeActive(cfg, n, instant))
        .map((n) => n.receiver);
    return [...new Set(names)].sort();
}
