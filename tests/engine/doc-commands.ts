/**
 * The `pulumi config set` commands the documentation tells users to run (docs/*.md, README.md), as
 * argument vectors, for tests/engine/cli.engine.ts to run against a scratch stack with the real CLI.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface DocCommand {
    /** `file:line`. */
    readonly where: string;
    /** The command as written (up to `&&`, `;` or a comment). */
    readonly text: string;
    /** Its words after shell quoting (`pulumi`, `config`, `set`, ...). */
    readonly argv: string[];
    /** Why it is not run (a template with `<placeholders>`), or undefined. */
    readonly template?: string;
}

/** Splits a shell command line into words (single and double quotes, backslash); stops at an unquoted `#`, `&&`, `;` or `|`. */
export function shellWords(line: string): string[] {
    const words: string[] = [];
    let cur = "";
    let inWord = false;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === "'") {
            const end = line.indexOf("'", i + 1);
            if (end < 0) throw new Error(`unterminated ' in: ${line}`);
            cur += line.slice(i + 1, end);
            i = end;
            inWord = true;
        } else if (c === '"') {
            let j = i + 1;
            for (; j < line.length && line[j] !== '"'; j++) {
                if (line[j] === "\\" && j + 1 < line.length) j++;
                cur += line[j];
            }
            if (j >= line.length) throw new Error(`unterminated " in: ${line}`);
            i = j;
            inWord = true;
        } else if (c === "\\" && i + 1 < line.length) {
            cur += line[++i];
            inWord = true;
        } else if (/\s/.test(c)) {
            if (inWord) words.push(cur);
            cur = "";
            inWord = false;
        } else if ((c === "#" && !inWord) || c === ";" || c === "|" || (c === "&" && line[i + 1] === "&")) {
            break;
        } else {
            cur += c;
            inWord = true;
        }
    }
    if (inWord) words.push(cur);
    return words;
}

/** Every `pulumi config set` command of a Markdown text: lines of fenced code blocks, and inline code spans. */
export function configSetCommands(file: string, text: string): DocCommand[] {
    const out: DocCommand[] = [];
    let fenced = false;
    text.split("\n").forEach((line, i) => {
        const where = `${file}:${i + 1}`;
        if (/^\s*```/.test(line)) {
            fenced = !fenced;
            return;
        }
        const candidates: string[] = [];
        if (fenced) {
            const m = /(?:^|\s|&&\s*|\$\s*)(pulumi config set\b.*)$/.exec(line);
            if (m) candidates.push(m[1]);
        } else {
            for (const m of line.matchAll(/`(pulumi config set\b[^`]*)`/g)) candidates.push(m[1]);
        }
        for (const c of candidates) {
            const argv = shellWords(c);
            const text = argv.join(" ");
            const placeholder = argv.find((w) => /<[^>]+>|\.\.\.$|\$\{?\w+/.test(w) || w === "N");
            const positional = argv.slice(3).filter((w, j, a) => !w.startsWith("-") && !["--stack", "-s", "--type"].includes(a[j - 1] ?? ""));
            const template = placeholder ? `a template (${placeholder})` : positional.length < 2 ? "a mention of the command, without key and value" : undefined;
            out.push({ where, text, argv, template });
        }
    });
    return out;
}

/** The commands of README.md and docs/*.md (recursively). */
export function documentedConfigSetCommands(projectDir: string): DocCommand[] {
    const files = ["README.md"];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(path.join(projectDir, d), { withFileTypes: true })) {
            const rel = path.join(d, e.name);
            if (e.isDirectory()) walk(rel);
            else if (e.name.endsWith(".md")) files.push(rel);
        }
    };
    walk("docs");
    return files.flatMap((f) => configSetCommands(f, fs.readFileSync(path.join(projectDir, f), "utf8")));
}

/** The command re-targeted at `stack` (replacing any `--stack X`, or adding `--stack stack`). */
export function retarget(argv: readonly string[], stack: string): string[] {
    const out = [...argv];
    const i = out.findIndex((w) => w === "--stack" || w === "-s");
    if (i >= 0) out[i + 1] = stack;
    else out.splice(3, 0, "--stack", stack);
    return out;
}
