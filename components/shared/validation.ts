/**
 * Argument validation shared by the components, and the one copy of the rules that components and
 * the config schema both apply: DNS names, image references (pinned, never `latest`) and resource
 * quantities. Components validate only such invariants (true for any caller) before creating any
 * child; defaults and ranges are the config schema's (infra/config/). An error names the
 * component, the field, the bad value and what is allowed.
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

    /** Requires a DNS-1123 label (namespaces, Services, Deployments, label-like names). */
    dnsLabel(field: string, value: string): string {
        return this.matches(field, value, DNS1123_LABEL, DNS1123_LABEL_TEXT);
    }

    /** Requires a DNS-1123 subdomain (ServiceAccounts, Secrets, ConfigMaps, storage classes). */
    dnsSubdomain(field: string, value: string): string {
        return this.matches(field, value, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_TEXT);
    }

    /** Requires a Kubernetes resource quantity ({@link QUANTITY}). */
    quantity(field: string, value: string): string {
        return this.matches(field, value, QUANTITY, QUANTITY_TEXT);
    }

    /** Requires a pinned image reference ({@link pinnedImageProblem}). */
    pinnedImage(field: string, value: string): string {
        const problem = pinnedImageProblem(value);
        if (problem) throw this.fail(field, `${PINNED_IMAGE_TEXT}: ${problem}`, value);
        return value;
    }

    /** Requires a non-empty list. */
    nonEmpty<T>(field: string, value: readonly T[]): readonly T[] {
        if (!Array.isArray(value) || value.length === 0) throw this.fail(field, "a non-empty list", value);
        return value;
    }
}

/** DNS-1123 label (names of namespaces, Services, Deployments): the one copy of the rule, components and config alike; at most 63 characters. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS1123_LABEL_TEXT = "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)";

// ---------------------------------------------------------------------------------------------
// IPv4 addresses and CIDRs (the arithmetic on them is components/platform/network.ts')
// ---------------------------------------------------------------------------------------------

/** An IPv4 address, its octets captured (each must also be <= 255: {@link isIpv4}). */
export const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** An IPv4 CIDR, its octets and prefix captured (octets <= 255, prefix <= 32: {@link isIpv4Cidr}). */
export const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Whether a string is an IPv4 address. */
export function isIpv4(ip: string): boolean {
    const m = IPV4.exec(ip);
    return !!m && m.slice(1, 5).every((o) => Number(o) <= 255);
}

/** Whether a string is an IPv4 CIDR (host bits allowed, as NetworkPolicies and Kubernetes accept them). */
export function isIpv4Cidr(cidr: string): boolean {
    const m = IPV4_CIDR.exec(cidr);
    return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** A Kubernetes label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A Kubernetes label value (empty, or at most 63 characters). */
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** A named port (IANA_SVC_NAME: at most 15 lower-case letters, digits or '-'). */
export const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;
export const PORT_NAME_TEXT = "a port name (at most 15 lower-case letters, digits or '-', starting and ending with a letter or digit)";

/** Canonical textual UUID (Entra object ids, tenant ids, client ids, subscription ids). */
/** An https URL (webhook and integration endpoints). */
export const HTTPS_URL = /^https:\/\/\S+$/;

export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_SUBDOMAIN_TEXT = "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)";

// ---------------------------------------------------------------------------------------------
// Image references: the one copy of the pinning rule (the policy pack keeps its own, independent one)
// ---------------------------------------------------------------------------------------------

/** Docker distribution repository path grammar (lower-case components separated by '/'). */
export const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
/** Docker tag grammar. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
export const DIGEST_TEXT = "an image digest sha256:<64 lower-case hex digits>";
/** Tags that float and so never pin what runs. */
export const FLOATING_TAGS = ["latest"] as const;
/** What to do instead of a floating or missing tag. */
export const FLOATING_TAG_TEXT = "pin a version tag or a sha256 digest";
export const PINNED_IMAGE_TEXT = "a pinned image reference ([registry/]repository:tag other than latest, or @sha256:digest)";

/** Whether a tag floats (`latest`, any case). */
export function isFloatingTag(tag: string): boolean {
    return (FLOATING_TAGS as readonly string[]).includes(tag.toLowerCase());
}

/**
 * Why a full image reference (`[host[:port]/]repository[:tag][@sha256:digest]`) is not pinned, or
 * undefined when it is: a version tag (not `latest`) or a digest.
 */
export function pinnedImageProblem(ref: string): string | undefined {
    if (typeof ref !== "string") return "not an image reference";
    const at = ref.indexOf("@");
    const digest = at >= 0 ? ref.slice(at + 1) : undefined;
    const name = at >= 0 ? ref.slice(0, at) : ref;
    const slash = name.lastIndexOf("/");
    const colon = name.lastIndexOf(":");
    const tag = colon > slash ? name.slice(colon + 1) : undefined;
    const path = colon > slash ? name.slice(0, colon) : name;
    const parts = path.split("/");
    // A first component with '.' or ':' or `localhost` is a registry host (with an optional port).
    const host = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.shift()! : undefined;
    if (host !== undefined && !/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?$/.test(host)) return "not an image reference (bad registry host)";
    if (!REPOSITORY.test(parts.join("/"))) return "not an image reference (bad repository path)";
    if (digest !== undefined && !DIGEST.test(digest)) return `the digest must be ${DIGEST_TEXT}`;
    if (tag !== undefined && !TAG.test(tag)) return "the tag is not a Docker tag";
    if (tag !== undefined && isFloatingTag(tag)) return `the tag ${tag} floats, so what runs is not what was reviewed; ${FLOATING_TAG_TEXT}`;
    if (tag === undefined && digest === undefined) return `no tag: untagged images float like latest; ${FLOATING_TAG_TEXT}`;
    return undefined;
}

/** A repository in the stack's registry plus a pinned tag and/or digest (never `latest`). */
export interface ImageRef {
    /** Repository path inside the registry, e.g. `it-ops/frontend`. */
    readonly repository: string;
    /** A version tag such as `1.4.2`; `latest` is refused. */
    readonly tag?: string;
    /** `sha256:<64 hex>`; wins over the tag for what the node pulls. */
    readonly digest?: string;
}

export const REPOSITORY_TEXT = "a repository path such as it-ops/frontend (lower-case letters, digits, '.', '_', '-', components separated by '/'), without registry host, tag or digest";
export const TAG_TEXT = "a pinned version tag such as 1.4.2 (letters, digits, '_', '.', '-', at most 128 characters; never latest)";

/** Whether the first component of a repository path is a registry host (`evil.io/x`, `localhost/x`). */
function looksLikeHost(repository: string): boolean {
    const parts = repository.split("/");
    return parts.length > 1 && (parts[0].includes(".") || parts[0] === "localhost");
}

/** What is wrong with an image reference, per field; empty when it is fine. */
export function imageRefProblems(ref: ImageRef): { field: "repository" | "tag" | "digest"; message: string; value: unknown }[] {
    const out: { field: "repository" | "tag" | "digest"; message: string; value: unknown }[] = [];
    if (typeof ref.repository !== "string" || !REPOSITORY.test(ref.repository) || ref.repository.length > 255 || looksLikeHost(ref.repository)) {
        out.push({ field: "repository", message: `must be ${REPOSITORY_TEXT}`, value: ref.repository });
    }
    if (ref.tag === undefined && ref.digest === undefined) {
        out.push({ field: "tag", message: `is required (or digest): untagged images float like latest; ${FLOATING_TAG_TEXT}`, value: undefined });
    }
    if (ref.tag !== undefined) {
        if (typeof ref.tag !== "string" || ref.tag === "") {
            out.push({ field: "tag", message: `must be ${TAG_TEXT}`, value: ref.tag });
        } else if (isFloatingTag(ref.tag)) {
            out.push({ field: "tag", message: `must not be latest: it floats, so what runs is not what was reviewed; ${FLOATING_TAG_TEXT}`, value: ref.tag });
        } else if (!TAG.test(ref.tag)) {
            out.push({ field: "tag", message: `must be ${TAG_TEXT}`, value: ref.tag });
        }
    }
    if (ref.digest !== undefined && (typeof ref.digest !== "string" || !DIGEST.test(ref.digest))) {
        out.push({ field: "digest", message: `must be ${DIGEST_TEXT}`, value: ref.digest });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Resources and paths of containers
// ---------------------------------------------------------------------------------------------

/** A Kubernetes resource quantity (`500m`, `1`, `512Mi`, `2Gi`). */
export const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
export const QUANTITY_TEXT = "a Kubernetes quantity such as 500m, 1, 512Mi or 2Gi";

export interface ComputeResources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

export const CPU_QUANTITY = /^(\d+m|\d+(\.\d{1,3})?)$/;
export const MEMORY_QUANTITY = /^\d+(Ki|Mi|Gi)$/;
export const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
export const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/;

/** CPU quantity in millicores. */
export function cpuMillis(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Memory quantity in bytes. */
export function memoryBytes(q: string): number {
    const m = /^(\d+)(Ki|Mi|Gi)$/.exec(q);
    if (!m) return NaN;
    return Number(m[1]) * { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as "Ki" | "Mi" | "Gi"];
}

/** What is wrong with requests/limits (a request above its limit, bad quantities). */
export function resourceProblems(r: ComputeResources): { field: string; message: string; value: unknown }[] {
    const out: { field: string; message: string; value: unknown }[] = [];
    for (const kind of ["requests", "limits"] as const) {
        if (!CPU_QUANTITY.test(r[kind].cpu) || cpuMillis(r[kind].cpu) <= 0) out.push({ field: `${kind}.cpu`, message: "must be a positive CPU quantity such as 250m or 1", value: r[kind].cpu });
        if (!MEMORY_QUANTITY.test(r[kind].memory) || memoryBytes(r[kind].memory) <= 0) out.push({ field: `${kind}.memory`, message: "must be a positive memory quantity such as 256Mi or 1Gi", value: r[kind].memory });
    }
    if (out.length) return out;
    if (cpuMillis(r.requests.cpu) > cpuMillis(r.limits.cpu)) out.push({ field: "requests.cpu", message: `must be <= limits.cpu (${r.limits.cpu})`, value: r.requests.cpu });
    if (memoryBytes(r.requests.memory) > memoryBytes(r.limits.memory)) out.push({ field: "requests.memory", message: `must be <= limits.memory (${r.limits.memory})`, value: r.requests.memory });
    return out;
}
