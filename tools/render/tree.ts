/** A readable tree of the rendering: component → children, with counts. */
import { Rendering, RenderedResource } from "./render";

export function renderTree(r: Rendering): string {
    const children = new Map<string | undefined, RenderedResource[]>();
    for (const x of r.resources) {
        const list = children.get(x.parent) ?? [];
        list.push(x);
        children.set(x.parent, list);
    }
    const count = (urn: string): number => (children.get(urn) ?? []).reduce((n, c) => n + 1 + count(c.urn), 0);
    const lines: string[] = [];
    const walk = (x: RenderedResource, prefix: string, last: boolean, root: boolean): void => {
        // root: print without a connector (unused for the stack's own children)
        const kids = children.get(x.urn) ?? [];
        const flags = x.options.protect ? " [protected]" : "";
        const label = `${x.name} (${x.type})${kids.length ? ` — ${count(x.urn)} resources` : ""}${flags}`;
        lines.push(root ? label : `${prefix}${last ? "└─ " : "├─ "}${label}`);
        const next = root ? "" : prefix + (last ? "   " : "│  ");
        kids.forEach((k, i) => walk(k, next, i === kids.length - 1, false));
    };
    const roots = r.resources.filter((x) => !x.parent || !r.resources.some((p) => p.urn === x.parent));
    lines.push(`stack ${r.stack} — ${r.resources.length} resources`);
    roots.forEach((x, i) => walk(x, "", i === roots.length - 1, false));
    return lines.join("\n") + "\n";
}
