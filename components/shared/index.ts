/** The shared domain's public API. */
export { labelsField } from "./metadata";
export { ArgsValidator, ArgumentError, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "./validation";
export { CronError, cronProblem, isTimeZone, maxRunGapMinutes, parseCron } from "./cron-schedule";
export type { CronSchedule } from "./cron-schedule";
