/**
 * The Pulumi program (`main` of Pulumi.yaml). Reads and validates the whole stack configuration
 * first — a bad value stops here, with one line naming the key, before any resource exists —
 * then composes the stack.
 */
import { loadConfig } from "./config";
import { deployStack } from "./stack";

const outputs = deployStack(loadConfig());

export = outputs;
