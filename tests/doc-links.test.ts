/**
 * The documentation's links: every relative link of README.md and docs/**\/*.md names a file or
 * folder that exists, and every `#anchor` names a heading of its target (GitHub's slug rules); the
 * `README.md#…` / `docs/….md#…` references in the program's comments and stack files resolve the
 * same way; README.md stays a short entry page (≤ 200 lines) whose details live in docs/.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "./helpers";

/** Files generated from another source (the config schema); while one is absent its links are reported as a loud SKIP, not as broken. */
const GENERATED = new Set(["docs/configuration.md"]);

export const README_MAX_LINES = 200;

/** The lines of a Markdown text outside fenced code blocks (others become ""), so that line numbers stay. */
function proseLines(text: string): string[] {
    let fence: string | undefined;
    return text.split("\n").map((line) => {
        const m = /^\s*(`{3,}|~{3,})/.exec(line);
        if (m && (fence === undefined || m[1].startsWith(fence))) {
            fence = fence === undefined ? m[1] : undefined;
            return "";
        }
        return fence === undefined ? line : "";
    });
}

/** GitHub's heading anchor (github-slugger): lower case, punctuation and symbols dropped, each space a hyphen. */
export function slug(heading: string): string {
    const text = heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link's text only
        .replace(/<[^>]+>/g, "") // inline HTML tags
        .replace(/[`*]/g, "");
    return text
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
        .replace(/ /g, "-");
}

/** The anchors of a Markdown text's headings, with GitHub's -1, -2 … suffixes for repeats. */
export function anchors(text: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const line of proseLines(text)) {
        const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!m) continue;
        const base = slug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

export interface Link {
    /** `file:line`. */
    readonly where: string;
    readonly target: string;
}

/** The inline links `[text](target)` of a Markdown text outside code (fences and code spans), without external ones. */
export function relativeLinks(file: string, text: string): Link[] {
    const out: Link[] = [];
    proseLines(text).forEach((line, i) => {
        const prose = line.replace(/(`+)[\s\S]*?\1/g, "");
        for (const m of prose.matchAll(/\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) {
            const target = m[1];
            if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
            out.push({ where: `${file}:${i + 1}`, target });
        }
    });
    return out;
}

/** README.md and every .md under docs/, relative to the project. */
function docFiles(): string[] {
    const files = ["README.md"];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(path.join(PROJECT_DIR, d), { withFileTypes: true })) {
            const rel = path.posix.join(d, e.name);
            if (e.isDirectory()) walk(rel);
            else if (e.name.endsWith(".md")) files.push(rel);
        }
    };
    walk("docs");
    return files.sort();
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(rel: string): Set<string> {
    let a = anchorCache.get(rel);
    if (!a) anchorCache.set(rel, (a = anchors(fs.readFileSync(path.join(PROJECT_DIR, rel), "utf8"))));
    return a;
}

/** Why `target` (relative to the project-relative file `from`) does not resolve, or undefined when it does; `missingGenerated` collects absent generated files. */
function problem(from: string, target: string, missingGenerated: Set<string>): string | undefined {
    const hash = target.indexOf("#");
    const file = hash < 0 ? target : target.slice(0, hash);
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const rel = file === "" ? from : path.posix.normalize(path.posix.join(path.posix.dirname(from), decodeURI(file)));
    if (rel.startsWith("../")) return `${target} leaves the repository`;
    if (!fs.existsSync(path.join(PROJECT_DIR, rel))) {
        if (GENERATED.has(rel)) {
            missingGenerated.add(rel);
            return undefined;
        }
        return `${target}: ${rel} does not exist`;
    }
    if (anchor === undefined) return undefined;
    if (!rel.endsWith(".md")) return `${target}: an anchor into a file that is not Markdown`;
    if (!anchorsOf(rel).has(anchor)) return `${target}: ${rel} has no heading with the anchor #${anchor}`;
    return undefined;
}

describe("documentation links", () => {
    it("slug follows GitHub's rules", () => {
        const cases: [string, string][] = [
            ["Running on an existing cluster (kind, k3d) — the `local` stack", "running-on-an-existing-cluster-kind-k3d--the-local-stack"],
            ["`itops-backup` (`backupNetworkPolicySpecs`)", "itops-backup-backupnetworkpolicyspecs"],
            ["Settings fixed at creation: infrastructure encryption and zone redundancy", "settings-fixed-at-creation-infrastructure-encryption-and-zone-redundancy"],
            ["Daily tasks (日次運用タスク)", "daily-tasks-日次運用タスク"],
            ["Backend and secrets (state backend and secrets provider)", "backend-and-secrets-state-backend-and-secrets-provider"],
            ["What `npm test` covers", "what-npm-test-covers"],
            ["snake_case and [a link](x.md)", "snake_case-and-a-link"],
        ];
        for (const [h, want] of cases) assert.equal(slug(h), want, h);
    });

    it("anchors: fenced lines are not headings, repeats get -1, -2", () => {
        const md = ["# A", "```bash", "# not a heading", "```", "## A", "### A ##", "## B"].join("\n");
        assert.deepEqual([...anchors(md)], ["a", "a-1", "a-2", "b"]);
    });

    it("relativeLinks: skips code, external links and fences", () => {
        const md = ["[x](a.md#b) `[y](no.md)` [z](https://e.x/) [w](c.md \"title\")", "```", "[v](no.md)", "```", "[u](#local)"].join("\n");
        assert.deepEqual(
            relativeLinks("f.md", md).map((l) => `${l.where} ${l.target}`),
            ["f.md:1 a.md#b", "f.md:1 c.md", "f.md:5 #local"],
        );
    });

    it("the checker reports a missing file, a missing anchor and a link out of the repository", () => {
        const gen = new Set<string>();
        assert.match(problem("docs/x.md", "nope.md", gen) ?? "", /docs\/nope\.md does not exist/);
        assert.match(problem("README.md", "docs/network.md#no-such-heading", gen) ?? "", /has no heading with the anchor #no-such-heading/);
        assert.match(problem("docs/x.md", "../../etc/passwd", gen) ?? "", /leaves the repository/);
        assert.equal(problem("README.md", "docs/network.md#ci-runners", gen), undefined);
        assert.equal(gen.size, 0);
    });

    it(`README.md has at most ${README_MAX_LINES} lines`, () => {
        const lines = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8").replace(/\n$/, "").split("\n").length;
        assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move details into docs/`);
    });

    const docLinks = () => {
        const missingGenerated = new Set<string>();
        const problems: string[] = [];
        let n = 0;
        for (const f of docFiles()) {
            for (const l of relativeLinks(f, fs.readFileSync(path.join(PROJECT_DIR, f), "utf8"))) {
                n++;
                const p = problem(f, l.target, missingGenerated);
                if (p) problems.push(`${l.where}: ${p}`);
            }
        }
        return { missingGenerated, problems, n };
    };

    it("every relative link of README.md and docs/**/*.md resolves, anchors included", () => {
        const { problems, n } = docLinks();
        assert.deepEqual(problems, []);
        assert.ok(n >= 50, `only ${n} links found`);
    });

    it("the generated pages the documentation links to exist", (t) => {
        const { missingGenerated } = docLinks();
        if (missingGenerated.size > 0) {
            t.skip(`${[...missingGenerated].join(", ")} is not generated yet (from the config schema): the links to it are not checked`);
            return;
        }
        for (const f of GENERATED) assert.ok(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8").trim().length > 0, `${f} is empty`);
    });

    it("README.md has a Configuration section that links the generated reference", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const start = readme.indexOf("\n## Configuration\n");
        assert.ok(start >= 0, "README.md has a section ## Configuration");
        const end = readme.indexOf("\n## ", start + 1);
        assert.match(readme.slice(start, end < 0 ? undefined : end), /\]\(docs\/configuration\.md\)/);
    });

    it("every README.md#… and docs/….md#… reference in the program, scripts, tests and stack files resolves", () => {
        const roots = ["infra", "components", "policy", "scripts", "tools", "tests", ".ci", ".github", "bench", "security"];
        const files = fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f) || f === "package.json");
        const walk = (d: string) => {
            if (!fs.existsSync(path.join(PROJECT_DIR, d))) return;
            for (const e of fs.readdirSync(path.join(PROJECT_DIR, d), { withFileTypes: true })) {
                const rel = path.posix.join(d, e.name);
                if (e.isDirectory()) {
                    if (e.name !== "node_modules" && e.name !== "fixtures") walk(rel);
                } else if (/\.(ts|cjs|js|sh|ya?ml|json|go)$/.test(e.name) && rel !== "tests/doc-links.test.ts") files.push(rel);
            }
        };
        roots.forEach(walk);
        const problems: string[] = [];
        let n = 0;
        for (const f of files) {
            fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")
                .split("\n")
                .forEach((line, i) => {
                    for (const m of line.matchAll(/(?<![\w/.-])((?:README|docs\/[\w./-]+)\.md(?:#[\w-]+)?)/g)) {
                        n++;
                        const p = problem("README.md", m[1], new Set());
                        if (p) problems.push(`${f}:${i + 1}: ${p}`);
                    }
                });
        }
        assert.deepEqual(problems, []);
        assert.ok(n >= 10, `only ${n} references found`);
    });
});
