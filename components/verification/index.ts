/** The verification domain's public API. */
export { DEFAULT_K6_IMAGE, DEFAULT_LOAD_TEST_RESOURCES, K6_DURATION, K6_SCRIPT_PATH, K6_UID, LOAD_TEST_LABELS, LoadTest, durationSeconds, hpaApiUrl, k6Args, k6Env, loadK6Script, loadTestJobName } from "./load-test";
export type { LoadProfile, LoadTestArgs, LoadTestResources, LoadTestSettings } from "./load-test";
