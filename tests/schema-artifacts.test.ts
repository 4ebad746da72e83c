/**
 * The artefacts generated from the configuration schema (tools/schema/generate.ts): the stack
 * files' JSON schema, Pulumi.yaml's declared keys and docs/configuration.md must be exactly what
 * the schema generates today (regenerated in memory, compared byte for byte), every stack file
 * carries the yaml-language-server modeline, and every stack file validates against the JSON schema
 * with a real JSON Schema validator (ajv, draft 2020-12), which also rejects bad stack files.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { artefacts, MODELINE, STACK_SCHEMA_PATH } from "../tools/schema/generate";
import { PROJECT_DIR } from "./helpers";

const STACKS = ["staging", "production", "local"];
const stackText = (s: string) => fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${s}.yaml`), "utf8");

function validator() {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    return ajv.compile(JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, STACK_SCHEMA_PATH), "utf8")));
}

describe("schema-generated artefacts", () => {
    for (const [file, text] of Object.entries(artefacts(PROJECT_DIR))) {
        it(`${file} is what the schema generates (run npm run schema)`, () => {
            assert.equal(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"), text);
        });
    }

    for (const s of STACKS) {
        it(`Pulumi.${s}.yaml starts with the schema modeline`, () => {
            assert.equal(stackText(s).split("\n")[0], MODELINE);
        });

        it(`Pulumi.${s}.yaml validates against ${STACK_SCHEMA_PATH}`, () => {
            const validate = validator();
            assert.equal(validate(parse(stackText(s))), true, JSON.stringify(validate.errors, null, 1));
        });
    }

    it("the JSON schema rejects an unknown key, a bad type and a removed key, and accepts secure: values and other namespaces", () => {
        const validate = validator();
        const doc = parse(stackText("production")) as { config: Record<string, any> };
        const bad = (edit: (c: Record<string, any>) => void) => {
            const c = structuredClone(doc.config);
            edit(c);
            return validate({ config: c });
        };
        assert.equal(bad(() => {}), true);
        assert.equal(bad((c) => (c["it-ops-infra:app"].replicas = "three")), false);
        assert.equal(bad((c) => (c["it-ops-infra:app"].replica = 3)), false);
        assert.equal(bad((c) => (c["it-ops-infra:colour"] = "blue")), false);
        assert.equal(bad((c) => (c["it-ops-infra:app"].monitoringNamespace = "monitoring")), false);
        assert.equal(bad((c) => (c["it-ops-infra:monitoring"].mode = "operator")), false);
        assert.equal(bad((c) => (c["it-ops-infra:app"].database.uri = { secure: "v1:abc" })), true);
        assert.equal(bad((c) => (c["kubernetes:context"] = "kind-itops")), true);
    });
});
