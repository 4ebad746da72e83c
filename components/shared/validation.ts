/**
 * Argument validation shared by the components. Components validate their args before creating
 * any child; an error names the component, the field, the bad value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";

/** A component was given an invalid argument. Printed by Pulumi without a stack trace. */
export class ArgumentError extends pulumi.RunError {
    constructor(
        public readonly component: string,
        public readonly field: string,
        message: string,
    ) {
        super(`${component}: args.${field} ${message}`);
        this.name = "ArgumentError";
    }
}

function show(value: unknown): string {
    const s = JSON.stringify(value) ?? String(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Validation helpers bound to one component instance. */
export class ArgsValidator {
    constructor(private readonly component: string) {}

    fail(field: string, allowed: string, value: unknown): ArgumentError {
        return new ArgumentError(this.component, field, `must be ${allowed}, got ${show(value)}`);
    }

    /** Requires `value` to be an integer within [min, max]. */
    integer(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
        if (!Number.isInteger(value) || value < min || value > max) {
            throw this.fail(field, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`, value);
        }
        return value;
    }

    /** Requires `value` to match `pattern`. */
    matches(field: string, value: string, pattern: RegExp, allowed: string): string {
        if (typeof value !== "string" || !pattern.test(value)) throw this.fail(field, allowed, value);
        return value;
    }

    /** Requires `value` to be one of `allowed`. */
    oneOf<T extends string>(field: string, value: T, allowed: readonly T[]): T {
        if (!allowed.includes(value)) throw this.fail(field, `one of ${allowed.join(", ")}`, value);
        return value;
    }

    /** Requires a non-empty list. */
    nonEmpty<T>(field: string, value: readonly T[]): readonly T[] {
        if (!Array.isArray(value) || value.length === 0) throw this.fail(field, "a non-empty list", value);
        return value;
    }
}

/** DNS-1123 label (names of namespaces, Services, Deployments): the one copy of the rule, components and config alike. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_TEXT = "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)";
