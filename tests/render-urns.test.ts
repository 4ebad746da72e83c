/**
 * URNs as the Pulumi engine computes them (tools/render/aliases.ts) and what deploying one render
 * over another would do with each URN (tools/render/diff.ts `urnChanges`): table-driven, pure.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allAliasUrns, createUrn, inheritedChildAlias, parseUrn } from "../tools/render/aliases";
import { formatUrnChanges, formatUrnMarkdown, MAX_URN_LINES, replaceReason, UrnResource, urnChanges, urnResources } from "../tools/render/diff";

const P = "urn:pulumi:prod::proj::";

describe("engine URNs and aliases", () => {
    const urns: [string, [string, string, string | undefined], string][] = [
        ["root resource", ["a", "t:m:A", undefined], `${P}t:m:A::a`],
        ["child of the stack", ["a", "t:m:A", "urn:pulumi:prod::proj::pulumi:pulumi:Stack::proj-prod"], `${P}t:m:A::a`],
        ["child of a root component", ["c", "k:v1:C", `${P}t:m:A::a`], `${P}t:m:A$k:v1:C::c`],
        ["grandchild: every ancestor's type", ["g", "k:v1:G", `${P}t:m:A$t:m:B::b`], `${P}t:m:A$t:m:B$k:v1:G::g`],
    ];
    for (const [what, [name, type, parent], want] of urns) it(`createUrn: ${what}`, () => assert.equal(createUrn(name, type, parent, "proj", "prod"), want));

    it("parseUrn splits stack, project, qualified type, type and name; rejects a non-URN", () => {
        assert.deepEqual(parseUrn(`${P}t:m:A$k:v1:C::c-1`), { stack: "prod", project: "proj", qualifiedType: "t:m:A$k:v1:C", type: "k:v1:C", name: "c-1" });
        assert.throws(() => parseUrn("prod::proj::x"), /not a Pulumi URN/);
    });

    const inherited: [string, [string, string, string, string], string][] = [
        ["child keeps its name", ["route", "k:v1:R", "mig-route", `${P}t:m:W::mig-route`], `${P}t:m:W$k:v1:R::route`],
        ["name prefixed by the parent's: the old parent name", ["new-x", "k:v1:R", "new", `${P}t:m:W::old`], `${P}t:m:W$k:v1:R::old-x`],
        ["parent alias under another parent", ["c", "k:v1:C", "b", `${P}t:m:A$t:m:B::b`], `${P}t:m:A$t:m:B$k:v1:C::c`],
    ];
    for (const [what, [name, type, parentName, parentAlias], want] of inherited) it(`inheritedChildAlias: ${what}`, () => assert.equal(inheritedChildAlias(name, type, parentName, parentAlias), want));

    it("allAliasUrns: own aliases, one per parent alias, one per (own, parent) pair; no duplicate, never the URN itself", () => {
        assert.deepEqual(allAliasUrns({ urn: `${P}t:m:M$t:m:W::w`, name: "w", type: "t:m:W", parentName: "m", own: [`${P}t:m:W::w`], parentAliases: [] }), [`${P}t:m:W::w`]);
        assert.deepEqual(allAliasUrns({ urn: `${P}t:m:M$t:m:W$k:v1:R::r`, name: "r", type: "k:v1:R", parentName: "w", own: [], parentAliases: [`${P}t:m:W::w`] }), [`${P}t:m:W$k:v1:R::r`]);
        assert.deepEqual(
            allAliasUrns({ urn: `${P}t:m:M$t:m:W$k:v2:R::r`, name: "r", type: "k:v2:R", parentName: "w", own: [`${P}t:m:M$t:m:W$k:v1:R::r`], parentAliases: [`${P}t:m:W::w`] }),
            [`${P}t:m:M$t:m:W$k:v1:R::r`, `${P}t:m:W$k:v2:R::r`, `${P}t:m:W$k:v1:R::r`],
        );
        assert.deepEqual(allAliasUrns({ urn: `${P}t:m:A::a`, name: "a", type: "t:m:A", parentName: "", own: [`${P}t:m:A::a`], parentAliases: [] }), []);
    });
});

const res = (urn: string, extra: Partial<UrnResource> = {}): UrnResource => {
    const { type, name } = parseUrn(urn);
    return { urn, type, name, aliases: [], inputs: {}, ...extra };
};
const k8s = (urn: string, name: string, namespace: string, extra: Partial<UrnResource> = {}) => res(urn, { inputs: { kind: "X", metadata: { name, namespace } }, ...extra });

describe("urnChanges", () => {
    const W = `${P}t:m:W::w`;
    const MW = `${P}t:m:M$t:m:W::w`;
    const table: [string, UrnResource[], UrnResource[], ReturnType<typeof urnChanges>][] = [
        ["same URNs: nothing", [res(W)], [res(W)], { moved: [], deleted: [], created: [], replaced: [], conflicts: [] }],
        ["re-parented with an alias: a move", [res(W)], [res(`${P}t:m:M::m`), res(MW, { aliases: [W] })], { moved: [{ from: W, to: MW }], deleted: [], created: [`${P}t:m:M::m`], replaced: [], conflicts: [] }],
        ["re-parented without an alias: create + delete", [res(W)], [res(MW)], { moved: [], deleted: [W], created: [MW], replaced: [], conflicts: [] }],
        ["an alias of a URN that still exists is no move", [res(W)], [res(W), res(MW, { aliases: [W] })], { moved: [], deleted: [], created: [MW], replaced: [], conflicts: [] }],
        ["an alias nothing had: a create", [], [res(MW, { aliases: [W] })], { moved: [], deleted: [], created: [MW], replaced: [], conflicts: [] }],
        ["two resources alias one URN: a conflict", [res(W)], [res(MW, { aliases: [W] }), res(`${P}t:m:N$t:m:W::w`, { aliases: [W] })], { moved: [], deleted: [], created: [], replaced: [], conflicts: [{ from: W, to: [MW, `${P}t:m:N$t:m:W::w`] }] }],
        [
            "a moved Kubernetes object that changes its name: a replacement",
            [k8s(`${P}kubernetes:v1:X::x`, "a", "ns")],
            [k8s(`${P}t:m:M$kubernetes:v1:X::x`, "b", "ns", { aliases: [`${P}kubernetes:v1:X::x`] })],
            { moved: [{ from: `${P}kubernetes:v1:X::x`, to: `${P}t:m:M$kubernetes:v1:X::x` }], deleted: [], created: [], replaced: [{ urn: `${P}t:m:M$kubernetes:v1:X::x`, reason: 'metadata.name "a" → "b"' }], conflicts: [] },
        ],
    ];
    for (const [what, base, head, want] of table) it(what, () => assert.deepEqual(urnChanges(base, head), want));

    const reasons: [string, UrnResource, UrnResource, string | undefined][] = [
        ["Kubernetes namespace", k8s(`${P}kubernetes:v1:X::x`, "a", "one"), k8s(`${P}kubernetes:v1:X::x`, "a", "two"), 'metadata.namespace "one" → "two"'],
        ["Kubernetes labels only: an update", res(`${P}kubernetes:v1:X::x`, { inputs: { metadata: { name: "a", labels: { x: "1" } } } }), res(`${P}kubernetes:v1:X::x`, { inputs: { metadata: { name: "a", labels: { x: "2" } } } }), undefined],
        ["Helm release name", res(`${P}kubernetes:helm.sh/v3:Release::r`, { inputs: { name: "a" } }), res(`${P}kubernetes:helm.sh/v3:Release::r`, { inputs: { name: "b" } }), 'name "a" → "b"'],
        ["Azure location", res(`${P}azure-native:x:Y::y`, { inputs: { location: "japaneast" } }), res(`${P}azure-native:x:Y::y`, { inputs: { location: "japanwest" } }), 'location "japaneast" → "japanwest"'],
        ["Azure resource name removed", res(`${P}azure-native:x:Y::y`, { inputs: { accountName: "a" } }), res(`${P}azure-native:x:Y::y`), 'accountName "a" → (unset)'],
        ["Azure tags: an update", res(`${P}azure-native:x:Y::y`, { inputs: { tags: { a: "1" } } }), res(`${P}azure-native:x:Y::y`, { inputs: { tags: { a: "2" } } }), undefined],
        ["replaceOnChanges field", res(`${P}t:x:Y::y`, { inputs: { spec: { a: 1 } } }), res(`${P}t:x:Y::y`, { inputs: { spec: { a: 2 } }, replaceOnChanges: ["spec.a"] }), "spec.a 1 → 2"],
    ];
    for (const [what, b, h, want] of reasons) it(`replaceReason: ${what}`, () => assert.equal(replaceReason(b, h), want));

    it("urnResources: engine URNs from resources.json's parent chain (mock URNs), aliases from urns.json", () => {
        const S = "urn:pulumi:prod::proj::pulumi:pulumi:Stack::proj-prod";
        const resources = [
            { urn: `urn:pulumi:prod::proj::pulumi:pulumi:Stack$t:m:M::m`, type: "t:m:M", name: "m", parent: S, inputs: {} },
            { urn: `urn:pulumi:prod::proj::t:m:M$t:m:W::w`, type: "t:m:W", name: "w", parent: `urn:pulumi:prod::proj::pulumi:pulumi:Stack$t:m:M::m`, inputs: {} },
            { urn: `urn:pulumi:prod::proj::t:m:W$k:v1:R::r`, type: "k:v1:R", name: "r", parent: `urn:pulumi:prod::proj::t:m:M$t:m:W::w`, inputs: { kind: "R" } },
        ];
        const urns = [{ urn: `${P}t:m:M::m` }, { urn: MW, aliases: [W] }, { urn: `${P}t:m:M$t:m:W$k:v1:R::r`, aliases: [`${P}t:m:W$k:v1:R::r`] }];
        const tree = new Map([["resources.json", JSON.stringify(resources)], ["urns.json", JSON.stringify(urns)]]);
        assert.deepEqual(
            urnResources(tree).map((r) => [r.urn, r.aliases]),
            [[`${P}t:m:M::m`, []], [MW, [W]], [`${P}t:m:M$t:m:W$k:v1:R::r`, [`${P}t:m:W$k:v1:R::r`]]],
        );
        // Without urns.json (a render from before it existed): the same URNs, no aliases.
        assert.deepEqual(urnResources(new Map([["resources.json", JSON.stringify(resources)]])).map((r) => r.aliases.length), [0, 0, 0]);
        // The two files must agree.
        assert.throws(() => urnResources(new Map([["resources.json", JSON.stringify(resources)], ["urns.json", JSON.stringify(urns.slice(1))]])), /urns\.json has no entry for urn:pulumi:prod::proj::t:m:M::m/);
        assert.deepEqual(urnResources(new Map()), []);
    });

    it("formatUrnChanges names every move, create, delete, replacement and conflict", () => {
        const text = formatUrnChanges("prod", { moved: [{ from: W, to: MW }], created: ["c"], deleted: ["d"], replaced: [{ urn: "r", reason: "why" }], conflicts: [{ from: "f", to: ["t1", "t2"] }] });
        assert.equal(
            text,
            [
                "prod URNs: 1 moved, 1 created, 1 deleted, 1 replaced, 1 conflicting aliases",
                `  moved    ${W}`,
                `        -> ${MW}`,
                "  created  c",
                "  DELETED  d",
                "  REPLACED r (why)",
                "  CONFLICT f is an alias of t1, t2",
                "",
            ].join("\n"),
        );
    });
});

describe("the URN report of the pull-request comment", () => {
    const none = { moved: [], created: [], deleted: [], replaced: [], conflicts: [] };
    it("a stack without changes is one line; deletes and replacements are bold and flagged", () => {
        const md = formatUrnMarkdown([
            { stack: "staging", changes: none },
            { stack: "production", changes: { ...none, deleted: ["urn:pulumi:production::p::t:m:A::a"], replaced: [{ urn: "u", reason: "why" }] } },
        ]);
        assert.match(md, /^- staging URNs: 0 moved, 0 created, 0 deleted, 0 replaced$/m);
        assert.match(md, /^- ⚠ production URNs: 0 moved, 0 created, \*\*1 deleted\*\*, \*\*1 replaced\*\*$/m);
        assert.match(md, /^ {4}DELETED {2}urn:pulumi:production::p::t:m:A::a$/m);
    });
    it(`shows at most ${MAX_URN_LINES} lines per stack and says how to see the rest`, () => {
        const created = Array.from({ length: MAX_URN_LINES + 5 }, (_, i) => `urn:pulumi:s::p::t:m:A::a${i}`);
        const md = formatUrnMarkdown([{ stack: "s", changes: { ...none, created } }]);
        assert.equal(md.split("\n").filter((l) => l.startsWith("    created")).length, MAX_URN_LINES);
        assert.match(md, /… 5 more lines: `npm run diff -- --stack s --urns`/);
    });
});
