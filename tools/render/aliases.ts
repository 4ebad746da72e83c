/**
 * URNs and alias URNs, computed as Pulumi computes them (pure string functions).
 *
 * A URN is `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, where the qualified type is
 * the parent's qualified type (without the stack's) + `$` + the resource's type. An alias names a
 * URN the resource had before; Pulumi treats a resource whose alias URN is in the state as the same
 * resource (a move, not a replace + delete). A child inherits its parent's aliases: for every alias
 * URN of the parent, the child's URN under that parent (with the parent's old name in place of the
 * new one when the child's name starts with it) is an alias of the child — the engine applies this
 * recursively (a grandchild inherits the aliases its parent inherited), as the SDK's
 * `allAliases`/`inheritedChildAlias` (@pulumi/pulumi resource.ts) do for one level.
 */

/** The type of a stack resource (never part of a child's qualified type). */
export const STACK_TYPE = "pulumi:pulumi:Stack";

export interface ParsedUrn {
    readonly stack: string;
    readonly project: string;
    /** Parent types and the type, `$`-separated. */
    readonly qualifiedType: string;
    readonly type: string;
    readonly name: string;
}

/** The parts of a URN; throws on anything that is not one. */
export function parseUrn(urn: string): ParsedUrn {
    const m = /^urn:pulumi:([^:]+)::([^:]+)::(.+?)::(.*)$/s.exec(urn);
    if (!m) throw new Error(`not a Pulumi URN: ${urn}`);
    const [, stack, project, qualifiedType, name] = m;
    const types = qualifiedType.split("$");
    return { stack, project, qualifiedType, type: types[types.length - 1], name };
}

/**
 * The URN of a resource `name` of `type` under `parentUrn` (undefined or a stack: at the root), as
 * the SDK's `createUrn`.
 */
export function createUrn(name: string, type: string, parentUrn: string | undefined, project: string, stack: string): string {
    if (parentUrn === undefined) return `urn:pulumi:${stack}::${project}::${type}::${name}`;
    const prefix = parentUrn.substring(0, parentUrn.lastIndexOf("::")) + "$";
    if (prefix.endsWith(`::${STACK_TYPE}$`)) return `urn:pulumi:${stack}::${project}::${type}::${name}`;
    return `${prefix}${type}::${name}`;
}

/** The alias of a child inherited from one alias URN of its parent (the SDK's `inheritedChildAlias`). */
export function inheritedChildAlias(childName: string, childType: string, parentName: string, parentAliasUrn: string): string {
    const p = parseUrn(parentAliasUrn);
    const aliasName = childName.startsWith(parentName) ? p.name + childName.substring(parentName.length) : childName;
    return createUrn(aliasName, childType, parentAliasUrn, p.project, p.stack);
}

export interface AliasInputs {
    /** The resource's URN (never its own alias). */
    readonly urn: string;
    readonly name: string;
    readonly type: string;
    /** Its parent's name (the stack's for a root resource). */
    readonly parentName: string;
    /** The resource's own aliases, as URNs. */
    readonly own: readonly string[];
    /** Every alias URN of its parent (own and inherited). */
    readonly parentAliases: readonly string[];
}

/**
 * Every alias URN of a resource: its own, one per parent alias, and one per (own alias, parent
 * alias) pair; without duplicates and without its own URN, in that order.
 */
export function allAliasUrns(a: AliasInputs): string[] {
    const out: string[] = [...a.own];
    for (const parentAlias of a.parentAliases) {
        out.push(inheritedChildAlias(a.name, a.type, a.parentName, parentAlias));
        for (const own of a.own) {
            const o = parseUrn(own);
            out.push(inheritedChildAlias(o.name, o.type, a.parentName, parentAlias));
        }
    }
    return [...new Set(out)].filter((u) => u !== a.urn);
}
