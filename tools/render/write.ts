/**
 * Writes a {@link Rendering} to `<out>/<stack>/`: resources.json, one YAML file per Kubernetes
 * object under manifests/, one file per Helm release under helm/, and outputs.json.
 * Secrets are already "[secret]" in the rendering; nothing here can see them.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { envFileText } from "../../infra/config/verification";
import { Rendering, RenderedResource } from "./render";

/** A writer adds files for one aspect of the rendering; returns the paths it wrote. */
export type Writer = (r: Rendering, dir: string) => string[];

/** Kubernetes resource types that are not objects sent to the cluster as they are. */
const NOT_MANIFESTS = /^kubernetes:(helm\.sh\/|yaml\/|kustomize\/)/;

/** Whether a rendered resource is a Kubernetes object the program declares directly. */
export function isManifest(r: RenderedResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && !NOT_MANIFESTS.test(r.type);
}

/** Whether a rendered resource is a server-side-apply patch of an object the program does not own. */
export function isPatch(r: RenderedResource): boolean {
    return /Patch$/.test(r.type);
}

/** The file name of a manifest: `<namespace|cluster>.<kind>.<name>[.patch].yaml`. */
export function manifestFileName(r: RenderedResource): string {
    const meta = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
    const kind = String(r.inputs.kind ?? r.type.split(":").pop()).toLowerCase();
    const name = meta.name ?? r.name;
    return `${meta.namespace ?? "cluster"}.${kind}.${name}${isPatch(r) ? ".patch" : ""}.yaml`;
}

export function yaml(doc: unknown): string {
    return YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

function write(file: string, text: string): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
}

export const writeResources: Writer = (r, dir) => {
    const list = r.resources.map((x) => ({
        urn: x.urn,
        type: x.type,
        name: x.name,
        parent: x.parent,
        inputs: x.inputs,
        ...(Object.keys(x.options).length ? { options: x.options } : {}),
    }));
    return [write(path.join(dir, "resources.json"), JSON.stringify(list, null, 2) + "\n")];
};

/**
 * `urns.json`: every resource's URN as the Pulumi engine computes it (resources.json has the mock
 * runtime's) and, when it has any, the alias URNs the engine matches against the state: its own
 * `aliases` and those inherited from its ancestors. A URN that changes without an alias naming the
 * old one is a replace + delete (`npm run diff -- --urns`, tests/urn-stability.test.ts).
 */
export const writeUrns: Writer = (r, dir) => {
    const list = r.resources.map((x) => ({ urn: x.engineUrn ?? x.urn, type: x.type, name: x.name, ...(x.aliases?.length ? { aliases: x.aliases } : {}) }));
    return [write(path.join(dir, "urns.json"), JSON.stringify(list, null, 2) + "\n")];
};

export const writeManifests: Writer = (r, dir) => {
    const seen = new Set<string>();
    const files: string[] = [];
    for (const x of r.resources.filter(isManifest)) {
        const name = manifestFileName(x);
        if (seen.has(name)) throw new Error(`two Kubernetes objects render to manifests/${name} (${x.urn})`);
        seen.add(name);
        files.push(write(path.join(dir, "manifests", name), yaml(x.inputs)));
    }
    return files;
};

/** The chart, repository, version, namespace and values of every Helm release and chart. */
export function helmReleases(r: Rendering): { release: string; file: Record<string, unknown> }[] {
    return r.resources
        .filter((x) => x.type === "kubernetes:helm.sh/v3:Release" || x.type === "kubernetes:helm.sh/v4:Chart")
        .map((x) => {
            const i = x.inputs as Record<string, any>;
            const release = String(i.name ?? x.name);
            return {
                release,
                file: {
                    kind: x.type.endsWith(":Release") ? "helm.v3.Release" : "helm.v4.Chart",
                    release,
                    chart: i.chart,
                    repository: i.repositoryOpts?.repo,
                    version: i.version,
                    namespace: i.namespace,
                    ...(i.skipCrds !== undefined ? { skipCrds: i.skipCrds } : {}),
                    values: i.values ?? {},
                },
            };
        });
}

export const writeHelm: Writer = (r, dir) =>
    helmReleases(r).map((h) => write(path.join(dir, "helm", `${h.release}.yaml`), yaml(h.file)));

export const writeOutputs: Writer = (r, dir) => [write(path.join(dir, "outputs.json"), JSON.stringify(r.outputs, null, 2) + "\n")];

/** Every rule group of every PrometheusRule in the rendering, as one `promtool check rules` file. */
export function prometheusRules(r: Rendering): { groups: unknown[] } {
    const groups = r.resources
        .filter((x) => isManifest(x) && x.inputs.kind === "PrometheusRule")
        .flatMap((x) => ((x.inputs.spec as { groups?: unknown[] } | undefined)?.groups ?? []));
    return { groups };
}

export const writePrometheusRules: Writer = (r, dir) => {
    const rules = prometheusRules(r);
    return rules.groups.length ? [write(path.join(dir, "prometheus", "rules.yaml"), yaml(rules))] : [];
};

/**
 * The Alertmanager configuration kube-prometheus-stack is given (`alertmanager.config`), exactly
 * as Alertmanager loads it. Receivers reference mounted secret files, so nothing is secret in it;
 * any secret value would already be "[secret]" in the rendering.
 */
export function alertmanagerConfigOf(r: Rendering): Record<string, unknown> | undefined {
    const release = helmReleases(r).find((h) => h.file.chart === "kube-prometheus-stack");
    const values = release?.file.values as { alertmanager?: { config?: Record<string, unknown> } } | undefined;
    return values?.alertmanager?.config;
}

export const writeAlertmanagerConfig: Writer = (r, dir) => {
    const config = alertmanagerConfigOf(r);
    return config ? [write(path.join(dir, "alertmanager", "alertmanager.yaml"), yaml(config))] : [];
};

/** `verify.env`: the settings of scripts/verify-staging.sh (the `verifyEnv` stack output). */
export const writeVerifyEnv: Writer = (r, dir) => {
    const env = r.outputs.verifyEnv as Record<string, string> | undefined;
    return env ? [write(path.join(dir, "verify.env"), envFileText(env))] : [];
};

/** Every writer, in order. Later parts of the program add theirs here. */
export const WRITERS: Writer[] = [writeResources, writeUrns, writeManifests, writeHelm, writeOutputs, writePrometheusRules, writeAlertmanagerConfig, writeVerifyEnv];

/** Writes the rendering to `<out>/<stack>/`, replacing what an earlier render left there. */
export function writeRendering(r: Rendering, outDir: string): string[] {
    const dir = path.join(outDir, r.stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    return WRITERS.flatMap((w) => w(r, dir));
}
