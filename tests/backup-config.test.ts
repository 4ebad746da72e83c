/**
 * The `backup` config section and the pure schedule/naming logic behind it: defaults, every
 * validation rule fed bad input, and the secret handling of the MongoDB URI.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../infra/config";
import { placeholdersExcept, stackRaw } from "./fixtures/stack-config";
import { cronProblem, isTimeZone, maxRunGapMinutes, parseCron } from "../components/shared/cron-schedule";
import { isContainerName } from "../components/backup/backup-storage";
import { pinnedImageProblem } from "../components/shared/validation";

const P = "it-ops-infra:";
const URI = "mongodb://backup:pw@mongo-0.db:27017/?authSource=admin";

/** A valid raw configuration (platform + backup), with overrides of the backup section. */
function raw(backup: Record<string, unknown> | undefined): Record<string, string> {
    // The staging stack file with its backup section replaced (every other section stays valid).
    const out: Record<string, string> = { ...stackRaw("staging").raw };
    delete out[`${P}backup`];
    // With an external database: managed mode (staging's) takes the URI from the MongoDatabase (tests/database.test.ts).
    delete out[`${P}database`];
    out[`${P}app`] = JSON.stringify({ ...JSON.parse(out[`${P}app`]), database: {} });
    if (backup !== undefined) out[`${P}backup`] = JSON.stringify(backup);
    return out;
}

/** Other sections' required secrets are placeholders; the backup section's own rules are under test. */
const OTHERS = { secretPlaceholders: placeholdersExcept("backup") };

/** Deep-merges `over` into a backup section holding the secret URI. */
function backupWith(over: Record<string, unknown>): Record<string, unknown> {
    const base: Record<string, unknown> = { mongodb: { uri: URI } };
    for (const [k, v] of Object.entries(over)) {
        base[k] = v && typeof v === "object" && !Array.isArray(v) && typeof base[k] === "object" ? { ...(base[k] as object), ...(v as object) } : v;
    }
    return base;
}

const SECRET = new Set([`${P}backup`]);

function parse(over: Record<string, unknown> = {}) {
    return parseStackConfig("staging", raw(backupWith(over)), SECRET, OTHERS).config.backup;
}

function rejects(over: Record<string, unknown>, key: string, message: RegExp) {
    assert.throws(
        () => parse(over),
        (e: unknown) => {
            assert.ok(e instanceof ConfigError, `ConfigError expected, got ${e}`);
            assert.equal(e.key, `${P}backup.${key}`);
            assert.match(e.message, message);
            return true;
        },
        JSON.stringify(over),
    );
}

function secretValue(o: pulumi.Output<string>): Promise<{ value: string; secret: boolean }> {
    return new Promise((resolve) => {
        o.apply(async (value) => resolve({ value, secret: await (o as any).isSecret }));
    });
}

describe("backup config: defaults and stack files", () => {
    it("fills every default", () => {
        const b = parse();
        assert.equal(b.namespace, "itops-backup");
        assert.equal(b.serviceAccountName, "mongodb-backup");
        assert.deepEqual(b.storage, {
            accountNamePrefix: "itopsbkpstaging",
            sku: "Standard_ZRS",
            containerName: "mongodb-backups",
            retentionDays: 35,
            coolAfterDays: 7,
            softDeleteDays: 14,
            immutabilityLocked: false,
            requireInfrastructureEncryption: true,
        });
        assert.equal(b.restoreServiceAccountName, "mongodb-restore");
        assert.equal(b.schedule, "0 2 * * *");
        assert.equal(b.timeZone, "Asia/Tokyo");
        assert.equal(b.drillEnabled, true);
        assert.equal(b.drillSchedule, "0 5 * * 0");
        assert.equal(b.replicaSet, false);
        assert.deepEqual(
            [b.startingDeadlineSeconds, b.backoffLimit, b.activeDeadlineSeconds, b.drillActiveDeadlineSeconds, b.successfulJobsHistoryLimit, b.failedJobsHistoryLimit],
            [3600, 2, 10_800, 14_400, 3, 5],
        );
        assert.equal(b.mongoImage, "mongo:7.0.14");
        assert.equal(b.azcopyImage, "mcr.microsoft.com/azure-storage/azcopy:10.27.1");
        assert.deepEqual(b.resources, { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "1", memoryLimit: "2Gi" });
        assert.equal(b.workVolumeSize, "20Gi");
        assert.equal(b.maxAgeMarginMinutes, 120);
    });

    it("returns the URI as a Pulumi secret", async () => {
        const { value, secret } = await secretValue(parse().mongoUri!);
        assert.equal(value, URI);
        assert.equal(secret, true);
    });

    it("accepts explicit values", () => {
        const b = parse({
            storage: { retentionDays: 90, coolAfterDays: 30, sku: "Standard_GZRS", immutabilityLocked: true, containerName: "db-backups-2" },
            mongodb: { uri: URI, replicaSet: true },
            schedule: "30 1 * * *",
            timeZone: "UTC",
            drill: { schedule: "@weekly", enabled: false },
        });
        assert.equal(b.storage.retentionDays, 90);
        assert.equal(b.storage.coolAfterDays, 30);
        assert.equal(b.storage.immutabilityLocked, true);
        assert.equal(b.replicaSet, true);
        assert.equal(b.timeZone, "UTC");
        assert.equal(b.drillEnabled, false);
    });
});

describe("backup config: every rule rejects bad input", () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
        ["bad schedule field", { schedule: "0 25 * * *" }, "schedule", /hour field: 25 is outside 0-23/],
        ["schedule with 3 fields", { schedule: "* * *" }, "schedule", /needs 5 fields/],
        ["TZ in the schedule", { schedule: "CRON_TZ=UTC 0 2 * * *" }, "schedule", /spec\.timeZone/],
        ["schedule that never runs", { schedule: "0 0 31 2 *" }, "schedule", /never matches a date/],
        ["bad drill schedule", { drill: { schedule: "every sunday" } }, "drill.schedule", /CronJob schedule/],
        ["unknown time zone", { timeZone: "Asia/Tokio" }, "timeZone", /IANA time zone/],
        ["time zone that is an offset", { timeZone: "+09:00" }, "timeZone", /IANA time zone/],
        ["retention too short", { storage: { retentionDays: 1 } }, "storage.retentionDays", /integer >= 2 and <= 3650, got 1/],
        ["retention too long", { storage: { retentionDays: 3651 } }, "storage.retentionDays", /<= 3650/],
        ["retention as text", { storage: { retentionDays: "35" } }, "storage.retentionDays", /must be an integer/],
        ["cool after retention", { storage: { retentionDays: 30, coolAfterDays: 30 } }, "storage.coolAfterDays", /<= retentionDays - 1 \(29\), got 30/],
        ["cool after 0 days", { storage: { coolAfterDays: 0 } }, "storage.coolAfterDays", />= 1/],
        ["soft delete 0 days", { storage: { softDeleteDays: 0 } }, "storage.softDeleteDays", />= 1/],
        ["soft delete > 365 days", { storage: { softDeleteDays: 366 } }, "storage.softDeleteDays", /<= 365/],
        ["container name upper case", { storage: { containerName: "Mongo-Backups" } }, "storage.containerName", /blob container name/],
        ["container name too short", { storage: { containerName: "ab" } }, "storage.containerName", /blob container name/],
        ["container name with --", { storage: { containerName: "mongo--backups" } }, "storage.containerName", /blob container name/],
        ["container name starting with -", { storage: { containerName: "-backups" } }, "storage.containerName", /blob container name/],
        ["container name too long", { storage: { containerName: "a".repeat(64) } }, "storage.containerName", /blob container name/],
        ["account prefix with '-'", { storage: { accountNamePrefix: "itops-bkp" } }, "storage.accountNamePrefix", /3-16 lower-case letters or digits/],
        ["account prefix too long", { storage: { accountNamePrefix: "a".repeat(17) } }, "storage.accountNamePrefix", /3-16/],
        ["account prefix upper case", { storage: { accountNamePrefix: "ITOPS" } }, "storage.accountNamePrefix", /3-16/],
        ["premium sku", { storage: { sku: "Premium_LRS" } }, "storage.sku", /must be one of Standard_LRS/],
        ["immutabilityLocked as text", { storage: { immutabilityLocked: "yes" } }, "storage.immutabilityLocked", /true or false/],
        ["unknown storage key", { storage: { retentionDay: 10 } }, "storage.retentionDay", /not a known setting/],
        ["unknown backup key", { schedules: "0 2 * * *" }, "schedules", /not a known setting/],
        ["replicaSet as text", { mongodb: { uri: URI, replicaSet: "true" } }, "mongodb.replicaSet", /true or false/],
        ["namespace not a DNS label", { namespace: "Itops_Backup" }, "namespace", /DNS-1123 label/],
        ["service account not a DNS subdomain", { serviceAccountName: "Mongo Backup" }, "serviceAccountName", /DNS-1123 subdomain/],
        ["image without tag", { images: { mongo: "mongo" } }, "images.mongo", /pinned image reference.*no tag/],
        ["image tag latest", { images: { azcopy: "mcr.microsoft.com/azure-storage/azcopy:latest" } }, "images.azcopy", /must be a pinned image reference .*: the tag latest floats/],
        ["image not a reference", { images: { mongo: "mongo 7!" } }, "images.mongo", /not an image reference/],
        ["deadline longer than the schedule's gap", { schedule: "0 * * * *" }, "job.activeDeadlineSeconds", /shorter than the longest gap .* \(3600 s\)/],
        ["backoffLimit too high", { job: { backoffLimit: 11 } }, "job.backoffLimit", /<= 10/],
        ["startingDeadlineSeconds too low", { job: { startingDeadlineSeconds: 5 } }, "job.startingDeadlineSeconds", />= 10/],
        ["history limit 0", { job: { failedJobsHistoryLimit: 0 } }, "job.failedJobsHistoryLimit", />= 1/],
        ["history limit above 100", { job: { failedJobsHistoryLimit: 101 } }, "job.failedJobsHistoryLimit", /<= 100/],
        ["successful history limit 0", { job: { successfulJobsHistoryLimit: 0 } }, "job.successfulJobsHistoryLimit", />= 1/],
        ["negative backoffLimit", { job: { backoffLimit: -1 } }, "job.backoffLimit", />= 0/],
        ["activeDeadlineSeconds too short", { job: { activeDeadlineSeconds: 10 } }, "job.activeDeadlineSeconds", />= 300/],
        ["drill deadline too long", { drill: { activeDeadlineSeconds: 90_000 } }, "drill.activeDeadlineSeconds", /<= 86400/],
        ["drill.enabled as text", { drill: { enabled: "no" } }, "drill.enabled", /true or false/],
        ["bad memory quantity", { resources: { memoryLimit: "2GB" } }, "resources.memoryLimit", /Kubernetes quantity/],
        ["bad cpu quantity", { resources: { cpuRequest: "half" } }, "resources.cpuRequest", /Kubernetes quantity/],
        ["bad work volume size", { workVolumeSize: "20GB" } , "workVolumeSize", /a size such as 20Gi/],
        ["margin too small", { maxAgeMarginMinutes: 5 }, "maxAgeMarginMinutes", />= 15/],
    ];
    for (const [title, over, key, message] of cases) {
        it(title, () => rejects(over, key, message));
    }

    it("the URI must be set as a secret", () => {
        assert.throws(
            () => parseStackConfig("staging", raw(backupWith({})), new Set(), OTHERS),
            (e: unknown) => e instanceof ConfigError && e.key === `${P}backup.mongodb.uri` && /must be set as a secret/.test(e.message) && !e.message.includes("pw@"),
        );
    });

    it("the URI is required (the offline render uses a placeholder)", () => {
        assert.throws(
            () => parseStackConfig("staging", raw({}), SECRET, OTHERS),
            (e: unknown) => e instanceof ConfigError && e.key === `${P}backup.mongodb.uri` && /is required: set it with `pulumi config set --secret/.test(e.message),
        );
        const parsed = parseStackConfig("staging", raw(undefined), new Set(), { secretPlaceholders: true });
        assert.ok(parsed.placeholders.includes(`${P}backup.mongodb.uri`));
    });
});

describe("cron schedules (pure logic)", () => {
    it("parses the CronJob syntax", () => {
        const s = parseCron("*/15 2-4 1,15 JAN-MAR mon-fri");
        assert.deepEqual([...s.minutes], [0, 15, 30, 45]);
        assert.deepEqual([...s.hours], [2, 3, 4]);
        assert.deepEqual([...s.daysOfMonth], [1, 15]);
        assert.deepEqual([...s.months], [1, 2, 3]);
        assert.deepEqual([...s.daysOfWeek], [1, 2, 3, 4, 5]);
        assert.deepEqual([...parseCron("0 0 * * SUN").daysOfWeek], [0]);
        assert.equal(parseCron("0 0 */2 * 1").domRestricted, true, "a stepped * restricts (robfig/cron)");
        assert.equal(parseCron("0 0 * * 1").domRestricted, false);
        assert.deepEqual([...parseCron("@daily").hours], [0]);
    });

    it("rejects what the controller rejects", () => {
        const bad: [string, RegExp][] = [
            ["60 * * * *", /minute field: 60 is outside 0-59/],
            ["0 0 0 * *", /day of month field: 0 is outside 1-31/],
            ["0 0 * 13 *", /month field: 13/],
            ["0 0 * * 7", /day of week field: 7 is outside 0-6/],
            ["0 0 * * FUN", /not a number or name/],
            ["*/0 * * * *", /step "0"/],
            ["5-1 * * * *", /runs backwards/],
            ["0 0 * *", /needs 5 fields/],
            ["@every 5m", /unsupported macro.*@every is not supported/],
            ["TZ=Asia/Tokyo 0 2 * * *", /spec\.timeZone/],
            ["1,,2 * * * *", /empty list element/],
        ];
        for (const [s, m] of bad) assert.match(cronProblem(s) ?? "", m, s);
        assert.equal(cronProblem("0 2 * * *"), undefined);
    });

    it("measures the longest gap between runs", () => {
        const cases: [string, number | undefined][] = [
            ["0 2 * * *", 1440],
            ["*/5 * * * *", 5],
            ["0 2,14 * * *", 720],
            ["0 22 * * *", 1440],
            ["0 5 * * 0", 7 * 1440],
            ["0 1 * * 1-5", 3 * 1440],
            ["0 0 1 * *", 31 * 1440],
            ["0 0 29 2 *", 4 * 366 * 1440], // once in the 4-year window
            ["0 0 31 2 *", undefined],
            ["0 0 1 * 1", 7 * 1440], // day-of-month OR day-of-week
            ["0 0 */2 * 1", 2 * 1440], // odd days OR Mondays: at most 2 days apart
            ["0 0 */2 * *", 2 * 1440], // odd days only (31st -> 1st is 1 day, 29th -> 1st 2 days)

        ];
        for (const [s, gap] of cases) assert.equal(maxRunGapMinutes(s), gap, s);
    });

    it("knows IANA time zones", () => {
        for (const tz of ["Asia/Tokyo", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"]) assert.ok(isTimeZone(tz), tz);
        for (const tz of ["Asia/Tokio", "+09:00", "JST-9", "", "Local/Time"]) assert.ok(!isTimeZone(tz), tz);
    });
});

describe("naming rules (pure logic)", () => {
    it("blob container names", () => {
        for (const n of ["mongodb-backups", "abc", "a1-b2", "a".repeat(63)]) assert.ok(isContainerName(n), n);
        for (const n of ["ab", "a".repeat(64), "Mongo", "a--b", "-ab", "ab-", "a_b", "a.b"]) assert.ok(!isContainerName(n), n);
    });

    it("pinned images (the one rule of components/shared/validation.ts, config and components alike)", () => {
        const ok = ["mongo:7.0.14", "mcr.microsoft.com/azure-storage/azcopy:10.27.1", "localhost:5000/tools/azcopy:1", `mongo@sha256:${"a".repeat(64)}`, `mongo:7@sha256:${"b".repeat(64)}`, "grafana/k6:1.8.1", "itopsstagingacr.azurecr.io/mirror/k6:1.8.1"];
        for (const ref of ok) assert.equal(pinnedImageProblem(ref), undefined, ref);
        const bad: [string, RegExp][] = [
            ["mongo", /^no tag: untagged images float like latest/],
            ["localhost:5000/mongo", /^no tag/],
            ["mongo:latest", /^the tag latest floats/],
            ["mongo:LATEST", /^the tag LATEST floats/],
            [`mongo:latest@sha256:${"a".repeat(64)}`, /^the tag latest floats/],
            [`mongo@sha256:${"a".repeat(63)}`, /^the digest must be an image digest sha256:<64 lower-case hex digits>/],
            ["Mongo:7", /^not an image reference \(bad repository path\)/],
            ["mongo 7", /^not an image reference/],
            ["bad_host.io/mongo:7", /^not an image reference \(bad registry host\)/],
            ["mongo:-7", /^the tag is not a Docker tag/],
            ["", /^not an image reference/],
        ];
        for (const [ref, m] of bad) assert.match(pinnedImageProblem(ref) ?? "", m, ref);
    });
});
