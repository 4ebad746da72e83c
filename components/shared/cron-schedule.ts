/**
 * Kubernetes CronJob schedules as pure logic: parsing the five-field cron syntax the CronJob
 * controller accepts (robfig/cron v3 standard syntax: numbers, `*`, `?`, ranges, steps, lists,
 * month/day names, `@hourly`-style macros; `@every` is deliberately not accepted), checking IANA time zones, and the longest gap between two runs of a schedule (which
 * the BackupTooOld alert needs: "no success for longer than the schedule's period + margin").
 */

/** The macros the CronJob controller accepts (robfig/cron descriptors). */
const MACROS: Readonly<Record<string, string>> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    readonly names?: readonly string[];
    /** Offset of names[0] (months start at 1). */
    readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
    // 0-6 (Sunday = 0): the controller's parser (robfig/cron v3) rejects 7.
    { name: "day of week", min: 0, max: 6, names: DAY_NAMES, nameBase: 0 },
];

/** A parsed schedule: the allowed values of each field. */
export interface CronSchedule {
    readonly minutes: ReadonlySet<number>;
    readonly hours: ReadonlySet<number>;
    readonly daysOfMonth: ReadonlySet<number>;
    readonly months: ReadonlySet<number>;
    /** 0-6, Sunday = 0. */
    readonly daysOfWeek: ReadonlySet<number>;
    /** Whether day-of-month / day-of-week were restricted (cron ORs them when both are). */
    readonly domRestricted: boolean;
    readonly dowRestricted: boolean;
}

/** A schedule was not valid; the message says why. */
export class CronError extends Error {}

function value(text: string, f: FieldSpec): number {
    const upper = text.toUpperCase();
    if (f.names) {
        const i = f.names.indexOf(upper);
        if (i >= 0) return i + (f.nameBase ?? 0);
    }
    if (!/^\d+$/.test(text)) throw new CronError(`${f.name} field: "${text}" is not a number${f.names ? " or name" : ""}`);
    const n = Number(text);
    if (n < f.min || n > f.max) throw new CronError(`${f.name} field: ${n} is outside ${f.min}-${f.max}`);
    return n;
}

function parseField(text: string, f: FieldSpec): Set<number> {
    const out = new Set<number>();
    for (const part of text.split(",")) {
        if (part === "") throw new CronError(`${f.name} field: empty list element in "${text}"`);
        const [range, stepText, extra] = part.split("/");
        if (extra !== undefined) throw new CronError(`${f.name} field: "${part}" has more than one '/'`);
        let step = 1;
        if (stepText !== undefined) {
            if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw new CronError(`${f.name} field: step "${stepText}" must be a positive integer`);
            step = Number(stepText);
        }
        let lo: number;
        let hi: number;
        if (range === "*" || range === "?") {
            lo = f.min;
            hi = f.max;
        } else if (range.includes("-")) {
            const [a, b, more] = range.split("-");
            if (more !== undefined) throw new CronError(`${f.name} field: bad range "${range}"`);
            lo = value(a, f);
            hi = value(b, f);
            if (lo > hi) throw new CronError(`${f.name} field: range "${range}" runs backwards`);
        } else {
            lo = value(range, f);
            hi = stepText !== undefined ? f.max : lo;
        }
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return out;
}

/** Whether a field counts as `*` for the day-of-month/day-of-week rule (as robfig/cron: `*`, `?`, `*\/1`). */
function isStar(field: string): boolean {
    return field.split(",").some((p) => {
        const [range, step] = p.split("/");
        return (range === "*" || range === "?") && (step === undefined || Number(step) <= 1);
    });
}

/** Parses a CronJob schedule; throws {@link CronError} when the controller would reject it. */
export function parseCron(schedule: string): CronSchedule {
    const text = schedule.trim();
    if (/^(CRON_)?TZ=/.test(text)) throw new CronError("time zones belong in spec.timeZone, not in the schedule (TZ=/CRON_TZ= is rejected by Kubernetes)");
    const expanded = text.startsWith("@") ? MACROS[text] : text;
    if (expanded === undefined) throw new CronError(`unknown or unsupported macro "${text}" (allowed: ${Object.keys(MACROS).join(", ")}; @every is not supported here)`);
    const parts = expanded.split(/\s+/);
    if (parts.length !== 5) throw new CronError(`needs 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
    const sets = parts.map((p, i) => parseField(p, FIELDS[i]));
    return {
        minutes: sets[0],
        hours: sets[1],
        daysOfMonth: sets[2],
        months: sets[3],
        daysOfWeek: sets[4],
        domRestricted: !isStar(parts[2]),
        dowRestricted: !isStar(parts[4]),
    };
}

/** Whether `schedule` is valid (see {@link parseCron}); returns the reason when it is not. */
export function cronProblem(schedule: string): string | undefined {
    try {
        parseCron(schedule);
        return undefined;
    } catch (e) {
        if (e instanceof CronError) return e.message;
        throw e;
    }
}

function dayMatches(s: CronSchedule, date: Date): boolean {
    const dom = s.daysOfMonth.has(date.getUTCDate());
    const dow = s.daysOfWeek.has(date.getUTCDay());
    if (s.domRestricted && s.dowRestricted) return dom || dow;
    return dom && dow;
}

/**
 * The longest time between two consecutive runs of `schedule`, in minutes, over a 4-year
 * wall-clock calendar (so monthly, yearly and leap-day schedules are measured correctly).
 * Time-zone shifts (DST) are ignored: they change a gap by at most an hour, which the alert's
 * margin covers. Returns `undefined` for a schedule that never runs (e.g. `0 0 31 2 *`).
 */
export function maxRunGapMinutes(schedule: string): number | undefined {
    const s = parseCron(schedule);
    const start = Date.UTC(2024, 0, 1); // a leap year, a Monday
    const days = 4 * 366;
    const runs: number[] = [];
    const hours = [...s.hours].sort((a, b) => a - b);
    const minutes = [...s.minutes].sort((a, b) => a - b);
    for (let d = 0; d < days; d++) {
        const date = new Date(start + d * 86_400_000);
        if (!s.months.has(date.getUTCMonth() + 1) || !dayMatches(s, date)) continue;
        for (const h of hours) for (const m of minutes) runs.push(d * 1440 + h * 60 + m);
    }
    if (runs.length === 0) return undefined;
    if (runs.length === 1) return days * 1440;
    let gap = 0;
    for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i] - runs[i - 1]);
    return gap;
}

/** Whether `tz` is an IANA time zone name the runtime knows (as `spec.timeZone` requires). */
export function isTimeZone(tz: string): boolean {
    if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(tz)) return false;
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}
