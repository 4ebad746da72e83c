/**
 * Renders shared by the test processes of one `node --test` run: the first process that renders
 * a stack (with the same overrides and config file) stores the result, the others read it
 * instead of rendering again. The store exists for one run only — tools/preload.cjs creates it
 * when the test runner starts (ITOPS_RENDER_STORE) and removes it when the runner ends — so a
 * render is never reused after the program changed. Without the variable, nothing is stored.
 *
 * A stored render is the exact JSON of the resources, outputs and placeholder keys (all plain
 * data: secrets are already "[secret]"); the config is parsed again from the same stack file and
 * overrides with the same pure parser the render used. Every test render takes that form, stored
 * or not (the renders come as JSON from a worker thread: ./render-worker.ts), so a test sees the
 * same data whether its render was stored, read from the store, or made without a store.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStackConfig } from "../infra/config";
import type { Rendering } from "../tools/render/render";
import { stackConfigFor, toRuntimeConfig } from "../tools/render/stack-file";

type Stored = Pick<Rendering, "resources" | "outputs" | "placeholders">;

/**
 * The render of `stack` with `sets` (and `configFile`) from its JSON (`renderJson()`: the resources,
 * outputs and placeholder keys): from the run's store, else rendered (then stored). Without a store,
 * rendered each time.
 */
export async function storedRender(stack: string, sets: readonly string[], configFile: string | undefined, renderJson: () => Promise<string>): Promise<Rendering> {
    const dir = process.env.ITOPS_RENDER_STORE;
    if (!dir || !fs.existsSync(dir)) return fromJson(stack, sets, configFile, await renderJson());
    const key = crypto.createHash("sha256").update(JSON.stringify([stack, sets, configFile ?? null, configFile ? fs.readFileSync(configFile, "utf8") : null])).digest("hex");
    const file = path.join(dir, `${key}.json`);
    if (fs.existsSync(file)) return fromJson(stack, sets, configFile, fs.readFileSync(file, "utf8"));
    const json = await renderJson();
    // Written whole, then renamed: a concurrent reader sees all of it or nothing.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, json);
    fs.renameSync(tmp, file);
    return fromJson(stack, sets, configFile, json);
}

/** A Rendering from the JSON of its resources, outputs and placeholders; the config parsed again from the same stack file and overrides. */
function fromJson(stack: string, sets: readonly string[], configFile: string | undefined, json: string): Rendering {
    const stored = JSON.parse(json) as Stored;
    const raw = stackConfigFor({ stack, sets, configFile });
    const { config } = parseStackConfig(stack, toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true });
    return { stack, config, resources: stored.resources, outputs: stored.outputs, placeholders: stored.placeholders };
}
