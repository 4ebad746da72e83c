/** The shared domain's public API. */
export { labelsField } from "./metadata";
export { ArgsValidator, ArgumentError, DIGEST, DIGEST_TEXT, DNS1123_LABEL, DNS1123_LABEL_TEXT, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_TEXT, FLOATING_TAGS, FLOATING_TAG_TEXT, PINNED_IMAGE_TEXT, REPOSITORY, TAG, isFloatingTag, pinnedImageProblem } from "./validation";
export { CronError, cronProblem, isTimeZone, maxRunGapMinutes, parseCron } from "./cron-schedule";
export type { CronSchedule } from "./cron-schedule";
