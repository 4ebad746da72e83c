/**
 * Pure logic of `npm run diff`: compares two offline renders of a stack (the files
 * `npm run synth` writes to `<out>/<stack>/`) and formats a readable unified diff per file, as
 * plain text for a terminal or as Markdown for a pull-request comment.
 *
 * resources.json is compared per resource (keyed by URN, shown as YAML), so a change names the
 * resource it belongs to instead of a line number in one large JSON array. Rendered files hold
 * "[secret]" in place of every secret, so nothing here can print one.
 */
import * as fs from "fs";
import * as path from "path";
import { structuredPatch } from "diff";
import * as YAML from "yaml";
import { createUrn, parseUrn } from "./aliases";

/** A rendered stack: path relative to `<out>/<stack>/` (with `/` separators) → file text. */
export type RenderTree = ReadonlyMap<string, string>;

export const CHANGE_KINDS = ["added", "removed", "modified"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface FileChange {
    /** The file's path in the render, or `resources.json › <type> <name>` for one resource. */
    readonly path: string;
    readonly kind: ChangeKind;
    /** Unified diff (`--- a/…`, `+++ b/…`, hunks); no trailing newline. */
    readonly patch: string;
    /** Lines added and removed. */
    readonly added: number;
    readonly removed: number;
}

export interface StackDiff {
    readonly stack: string;
    readonly changes: readonly FileChange[];
    /** Set when the stack does not exist at the base (every file is added). */
    readonly newStack?: boolean;
}

/** The hidden marker that identifies the render-diff comment on a pull request. */
export const COMMENT_MARKER = "<!-- itops-render-diff -->";

/** GitHub rejects comments above 65536 characters; leave room for the footer. */
export const MAX_COMMENT_CHARS = 60_000;

/** Lines of context around each change. */
export const DEFAULT_CONTEXT = 3;

/** The separator between `resources.json` and a resource in a change's path. */
export const RESOURCE_SEPARATOR = " › ";

/** Reads every file under `dir` (recursively); an absent directory is an empty render. */
export function readRenderTree(dir: string): Map<string, string> {
    const tree = new Map<string, string>();
    const walk = (rel: string): void => {
        const abs = path.join(dir, rel);
        for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
            const child = rel ? `${rel}/${entry.name}` : entry.name;
            if (entry.isDirectory()) walk(child);
            else if (entry.isFile()) tree.set(child, fs.readFileSync(path.join(dir, child), "utf8"));
        }
    };
    if (fs.existsSync(dir)) walk("");
    return tree;
}

interface ResourceEntry {
    urn?: string;
    type?: string;
    name?: string;
    parent?: string;
}

/**
 * Replaces `resources.json` by one entry per resource, `resources.json › <type> <name>` → the
 * resource as YAML (the URN when two resources share type and name). A resources.json that is
 * not an array of resources stays one file.
 */
export function explodeResources(tree: RenderTree): Map<string, string> {
    const out = new Map(tree);
    const text = tree.get("resources.json");
    if (text === undefined) return out;
    let list: unknown;
    try {
        list = JSON.parse(text);
    } catch {
        return out;
    }
    if (!Array.isArray(list) || !list.every((r) => r && typeof r === "object" && typeof (r as ResourceEntry).urn === "string")) return out;
    const entries = list as (ResourceEntry & Record<string, unknown>)[];
    const label = (r: ResourceEntry) => `${r.type ?? "?"} ${r.name ?? "?"}`;
    const counts = new Map<string, number>();
    for (const r of entries) counts.set(label(r), (counts.get(label(r)) ?? 0) + 1);
    out.delete("resources.json");
    for (const r of entries) {
        const key = `resources.json${RESOURCE_SEPARATOR}${counts.get(label(r))! > 1 ? r.urn : label(r)}`;
        out.set(key, YAML.stringify(r, { lineWidth: 0, aliasDuplicateObjects: false }));
    }
    return out;
}

/**
 * A unified diff of one file between two texts (`undefined` = the file does not exist on that
 * side), with `context` lines around each change. `undefined` when the texts are equal.
 */
export function unifiedDiff(file: string, before: string | undefined, after: string | undefined, context = DEFAULT_CONTEXT): FileChange | undefined {
    if (before === after) return undefined;
    const kind: ChangeKind = before === undefined ? "added" : after === undefined ? "removed" : "modified";
    const p = structuredPatch(file, file, before ?? "", after ?? "", undefined, undefined, { context });
    const lines = [kind === "added" ? "--- /dev/null" : `--- a/${file}`, kind === "removed" ? "+++ /dev/null" : `+++ b/${file}`];
    let added = 0;
    let removed = 0;
    for (const h of p.hunks) {
        lines.push(`@@ -${hunkRange(h.oldStart, h.oldLines)} +${hunkRange(h.newStart, h.newLines)} @@`);
        for (const l of h.lines) {
            if (l.startsWith("+")) added++;
            else if (l.startsWith("-")) removed++;
            lines.push(l);
        }
    }
    return { path: file, kind, patch: lines.join("\n"), added, removed };
}

/** `start,count` as in GNU diff: an empty side starts at the line before. */
function hunkRange(start: number, count: number): string {
    if (count === 0) return `${Math.max(start - 1, 0)},0`;
    return count === 1 ? `${start}` : `${start},${count}`;
}

/** Order of sections in the output: what reaches the cluster first, then Azure resources. */
const SECTION_ORDER = ["manifests/", "helm/", "prometheus/", "alertmanager/", "", `resources.json${RESOURCE_SEPARATOR}`, "resources.json", "outputs.json"];

function sectionOf(file: string): number {
    let best = SECTION_ORDER.indexOf("");
    for (let i = 0; i < SECTION_ORDER.length; i++) {
        const s = SECTION_ORDER[i];
        if (s && (file === s || file.startsWith(s))) best = i;
    }
    return best;
}

/** Compares two renders file by file (resources one by one); changes in display order. */
export function diffTrees(base: RenderTree, head: RenderTree, context = DEFAULT_CONTEXT): FileChange[] {
    const before = explodeResources(base);
    const after = explodeResources(head);
    const files = [...new Set([...before.keys(), ...after.keys()])];
    files.sort((a, b) => sectionOf(a) - sectionOf(b) || (a < b ? -1 : a > b ? 1 : 0));
    const changes: FileChange[] = [];
    for (const f of files) {
        const c = unifiedDiff(f, before.get(f), after.get(f), context);
        if (c) changes.push(c);
    }
    return changes;
}

/** "3 changes (2 modified, 1 added)" or "no changes". */
export function summarize(changes: readonly FileChange[]): string {
    if (changes.length === 0) return "no changes";
    const parts = CHANGE_KINDS.map((k) => [k, changes.filter((c) => c.kind === k).length] as const)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`);
    return `${changes.length} change${changes.length === 1 ? "" : "s"} (${parts.join(", ")})`;
}

export interface TextOptions {
    /** ANSI colours (for a terminal). @default false */
    readonly color?: boolean;
}

const ANSI = { red: "\x1b[31m", green: "\x1b[32m", cyan: "\x1b[36m", bold: "\x1b[1m", reset: "\x1b[0m" };

function colorLine(line: string): string {
    if (line.startsWith("+++") || line.startsWith("---")) return `${ANSI.bold}${line}${ANSI.reset}`;
    if (line.startsWith("@@")) return `${ANSI.cyan}${line}${ANSI.reset}`;
    if (line.startsWith("+")) return `${ANSI.green}${line}${ANSI.reset}`;
    if (line.startsWith("-")) return `${ANSI.red}${line}${ANSI.reset}`;
    return line;
}

/**
 * The terminal form: per stack a heading line `<stack>: <summary>` then every change's unified
 * diff; a stack without changes is the single line `<stack>: no changes`.
 */
export function formatText(diffs: readonly StackDiff[], opts: TextOptions = {}): string {
    const out: string[] = [];
    for (const d of diffs) {
        const heading = `${d.stack}: ${summarize(d.changes)}${d.newStack ? " (stack does not exist at the base)" : ""}`;
        out.push(opts.color ? `${ANSI.bold}${heading}${ANSI.reset}` : heading);
        for (const c of d.changes) {
            out.push(...(opts.color ? c.patch.split("\n").map(colorLine) : [c.patch]));
        }
        if (d.changes.length) out.push("");
    }
    return out.join("\n").replace(/\n*$/, "\n");
}

export interface MarkdownOptions {
    /** How the base is named in the heading, e.g. a short commit id. */
    readonly base: string;
    /** How the head is named, e.g. a short commit id. */
    readonly head: string;
    /** Size limit of the whole comment. @default MAX_COMMENT_CHARS */
    readonly maxChars?: number;
}

function escapeHtml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A code fence longer than any run of backticks in `text`. */
export function fenceFor(text: string): string {
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
    return "`".repeat(Math.max(3, longest + 1));
}

/**
 * The pull-request comment: the hidden {@link COMMENT_MARKER}, a heading per stack and one
 * collapsible unified diff per change. Changes that do not fit in `maxChars` are listed by name
 * only, with the command that shows them in full.
 */
export function formatMarkdown(diffs: readonly StackDiff[], opts: MarkdownOptions): string {
    const max = opts.maxChars ?? MAX_COMMENT_CHARS;
    const stacks = diffs.map((d) => d.stack);
    const rerun = `npm run diff -- ${stacks.map((s) => `--stack ${s}`).join(" ")} --base ${opts.base}`;
    const head = [
        COMMENT_MARKER,
        "### Rendered diff",
        "",
        `Offline render (\`npm run synth\`) of the pull request (\`${opts.head}\`) against its base (\`${opts.base}\`): Kubernetes manifests, Helm values, alert rules and Azure resources. Run \`${rerun}\` locally for the same output.`,
        "",
    ].join("\n");
    let body = head;
    const omitted: string[] = [];
    for (const d of diffs) {
        body += `\n#### ${d.stack}: ${summarize(d.changes)}${d.newStack ? " (new stack)" : ""}\n`;
        for (const c of d.changes) {
            const fence = fenceFor(c.patch);
            const block = [
                "",
                `<details><summary>${c.kind} <code>${escapeHtml(c.path)}</code> (+${c.added} −${c.removed})</summary>`,
                "",
                `${fence}diff`,
                c.patch,
                fence,
                "",
                "</details>",
                "",
            ].join("\n");
            if (omitted.length === 0 && body.length + block.length <= max) body += block;
            else omitted.push(`${d.stack}: ${c.kind} ${c.path}`);
        }
    }
    if (omitted.length) {
        body += `\n**${omitted.length} more change${omitted.length === 1 ? "" : "s"} not shown** (comment size limit); run \`${rerun}\` to see them:\n\n`;
        for (const o of omitted) {
            const line = `- \`${o.replace(/`/g, "'")}\`\n`;
            if (body.length + line.length > max) {
                body += "- …\n";
                break;
            }
            body += line;
        }
    }
    return body.replace(/\n*$/, "\n");
}

/** One resource as the engine sees it: its engine URN, alias URNs, and what decides a replacement. */
export interface UrnResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly aliases: readonly string[];
    readonly inputs: Record<string, unknown>;
    readonly replaceOnChanges?: readonly string[];
}

interface ResourcesJsonEntry extends ResourceEntry {
    inputs?: Record<string, unknown>;
    options?: { replaceOnChanges?: string[] };
}

/**
 * The resources of a render with their engine URNs: resources.json's URNs are the mock runtime's
 * (a type qualified by its parent's type only), so the engine URN is computed again from each
 * resource's type, name and parent chain (a render from before urns.json existed works as well);
 * alias URNs come from urns.json, when the render has it. Empty when the render has no resources.json.
 */
export function urnResources(tree: RenderTree): UrnResource[] {
    const text = tree.get("resources.json");
    if (text === undefined) return [];
    const list = JSON.parse(text) as ResourcesJsonEntry[];
    const urns = tree.get("urns.json");
    const aliasesOf = new Map<string, string[]>();
    if (urns !== undefined) for (const u of JSON.parse(urns) as { urn: string; aliases?: string[] }[]) aliasesOf.set(u.urn, u.aliases ?? []);
    const engineOf = new Map<string, string>();
    const out: UrnResource[] = [];
    for (const r of list) {
        if (!r.urn || !r.type || r.name === undefined) throw new Error(`resources.json: an entry without urn, type or name: ${JSON.stringify(r).slice(0, 200)}`);
        const { project, stack } = parseUrn(r.urn);
        // A parent that is not in the list is the stack (no resource's engine parent).
        const parent = r.parent !== undefined ? engineOf.get(r.parent) : undefined;
        const urn = createUrn(r.name, r.type, parent, project, stack);
        engineOf.set(r.urn, urn);
        if (urns !== undefined && !aliasesOf.has(urn)) throw new Error(`urns.json has no entry for ${urn} (resources.json and urns.json disagree)`);
        out.push({
            urn,
            type: r.type,
            name: r.name,
            aliases: aliasesOf.get(urn) ?? [],
            inputs: r.inputs ?? {},
            replaceOnChanges: r.options?.replaceOnChanges,
        });
    }
    return out;
}

/** What the engine would do with the resources of a base render when the head render is deployed over it. */
export interface UrnChanges {
    /** A base URN that is gone, taken over by the head resource that lists it among its aliases. */
    readonly moved: readonly { readonly from: string; readonly to: string }[];
    /** Base URNs no head resource has or aliases: the engine deletes them. */
    readonly deleted: readonly string[];
    /** Head URNs that neither exist at the base nor alias a base URN: the engine creates them. */
    readonly created: readonly string[];
    /** Head resources matched with a base resource whose identity changes: the engine replaces them. */
    readonly replaced: readonly { readonly urn: string; readonly reason: string }[];
    /** A base URN aliased by more than one head resource (the engine refuses the update). */
    readonly conflicts: readonly { readonly from: string; readonly to: readonly string[] }[];
}

function at(v: unknown, p: readonly string[]): unknown {
    let x = v;
    for (const k of p) x = x && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined;
    return x;
}

/**
 * Why deploying `head` over `base` (the same resource) would replace it, or undefined: a Kubernetes
 * object's kind, name or namespace, a Helm release's name or namespace, an Azure resource's
 * location or a top-level `…Name` input, or a field of its `replaceOnChanges`. Other inputs are
 * updated in place (or are a provider's business: the check is conservative, not complete).
 */
export function replaceReason(base: UrnResource, head: UrnResource): string | undefined {
    const paths: string[][] = [];
    if (head.type.startsWith("kubernetes:helm.sh/")) paths.push(["name"], ["namespace"]);
    else if (head.type.startsWith("kubernetes:")) paths.push(["kind"], ["metadata", "name"], ["metadata", "namespace"]);
    if (head.type.startsWith("azure-native:")) {
        for (const k of new Set([...Object.keys(base.inputs), ...Object.keys(head.inputs)])) if (k === "location" || /Name$/.test(k)) paths.push([k]);
    }
    for (const f of head.replaceOnChanges ?? []) paths.push(f.split("."));
    for (const p of paths) {
        const a = JSON.stringify(at(base.inputs, p));
        const b = JSON.stringify(at(head.inputs, p));
        if (a !== b) return `${p.join(".")} ${a ?? "(unset)"} → ${b ?? "(unset)"}`;
    }
    return undefined;
}

/**
 * Matches the resources of two renders as the engine does: by URN, else by a head resource's alias
 * URNs (an alias counts only when its URN is not also a head URN). Pure.
 */
export function urnChanges(base: readonly UrnResource[], head: readonly UrnResource[]): UrnChanges {
    const baseBy = new Map(base.map((r) => [r.urn, r]));
    const headUrns = new Set(head.map((r) => r.urn));
    const claims = new Map<string, string[]>();
    const pairs: [UrnResource, UrnResource][] = [];
    const created: string[] = [];
    for (const h of head) {
        const same = baseBy.get(h.urn);
        if (same) {
            pairs.push([same, h]);
            continue;
        }
        const from = h.aliases.filter((a) => baseBy.has(a) && !headUrns.has(a));
        if (from.length === 0) {
            created.push(h.urn);
            continue;
        }
        for (const a of from) claims.set(a, [...(claims.get(a) ?? []), h.urn]);
        pairs.push([baseBy.get(from[0])!, h]);
    }
    const moved: { from: string; to: string }[] = [];
    const conflicts: { from: string; to: string[] }[] = [];
    for (const [from, to] of claims) {
        if (to.length > 1) conflicts.push({ from, to });
        else moved.push({ from, to: to[0] });
    }
    const matched = new Set([...headUrns, ...claims.keys()]);
    const deleted = base.filter((r) => !matched.has(r.urn)).map((r) => r.urn);
    const replaced: { urn: string; reason: string }[] = [];
    for (const [b, h] of pairs) {
        const reason = replaceReason(b, h);
        if (reason) replaced.push({ urn: h.urn, reason });
    }
    return { moved, deleted, created, replaced, conflicts };
}

/** The `npm run diff -- --urns` report of one stack: moves, creates, and every delete, replace or conflict. */
export function formatUrnChanges(stack: string, c: UrnChanges): string {
    const counts = [`${c.moved.length} moved`, `${c.created.length} created`, `${c.deleted.length} deleted`, `${c.replaced.length} replaced`, ...(c.conflicts.length ? [`${c.conflicts.length} conflicting aliases`] : [])];
    const out = [`${stack} URNs: ${counts.join(", ")}`];
    for (const m of c.moved) out.push(`  moved    ${m.from}`, `        -> ${m.to}`);
    for (const u of c.created) out.push(`  created  ${u}`);
    for (const u of c.deleted) out.push(`  DELETED  ${u}`);
    for (const r of c.replaced) out.push(`  REPLACED ${r.urn} (${r.reason})`);
    for (const x of c.conflicts) out.push(`  CONFLICT ${x.from} is an alias of ${x.to.join(", ")}`);
    return out.join("\n") + "\n";
}

/** At most this many URN lines per stack in the pull-request comment (the rest: `npm run diff -- --urns`). */
export const MAX_URN_LINES = 60;

/**
 * The URN report of the pull-request comment: per stack its counts (deletes, replacements and
 * conflicts in bold) and the report itself in a collapsed block, at most {@link MAX_URN_LINES} lines.
 */
export function formatUrnMarkdown(reports: readonly { readonly stack: string; readonly changes: UrnChanges }[]): string {
    const out = ["", "### URNs", "", "What the engine does with each resource of the base: moved (through an alias), created, **deleted**, **replaced**.", ""];
    for (const { stack, changes } of reports) {
        const bad = changes.deleted.length + changes.replaced.length + changes.conflicts.length;
        const lines = formatUrnChanges(stack, changes).trimEnd().split("\n");
        const head = lines[0].replace(/(\d+ (deleted|replaced|conflicting aliases))/g, (m) => (m.startsWith("0 ") ? m : `**${m}**`));
        const body = lines.slice(1);
        out.push(`- ${bad ? "⚠ " : ""}${head}`);
        if (body.length) {
            const shown = body.slice(0, MAX_URN_LINES);
            const more = body.length - shown.length;
            const fence = fenceFor(shown.join("\n"));
            out.push("", "  <details><summary>details</summary>", "", `  ${fence}`, ...shown.map((l) => `  ${l}`), `  ${fence}`, ...(more ? [`  … ${more} more lines: \`npm run diff -- --stack ${stack} --urns\``] : []), "", "  </details>", "");
        }
    }
    return out.join("\n").replace(/\n*$/, "\n");
}
