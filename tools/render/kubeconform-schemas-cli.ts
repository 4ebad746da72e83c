/**
 * Downloads the pinned schema sources (Go modules, see tools/render/kubeconform-schemas.ts) and
 * generates kubeconform's JSON schemas into the cache; prints the schema directory.
 * `.ci/run` runs it before the tests, which then work offline.
 */
import { ensureSchemas } from "./kubeconform-schemas";

const r = ensureSchemas({ offline: false });
if ("missing" in r) {
    console.error(`kubeconform schemas: ${r.missing}`);
    process.exit(1);
}
console.log(r.dir);
