/**
 * The stack's MongoDB (issue 16): `database.mode` config rules, the `itops:data:MongoDatabase`
 * component's exact inputs for every security-relevant field, the one connection source of the app,
 * the backups and the migration copy, and mode external leaving the render as it was.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, StackConfig } from "../infra/config";
import { BURSTABLE_TIERS, MANAGED_CONFLICTS, MONGO_CLUSTER_PORT, PAIRED_REGIONS, MONGO_CLUSTER_REGIONS } from "../infra/config/database";
import { ADMIN_PASSWORD, AZURE_SEVERITY, connectionUri, databaseAlertRoles, MongoDatabase, MongoDatabaseArgs, rolesForLevel } from "../components/data";
import { PRIVATE_LINK_TARGETS } from "../components/platform";
import { deployStack } from "../infra/stack";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { all, one, PROJECT_DIR, record, render } from "./helpers";

const P = "it-ops-infra:";

function parse(stack: string, sets: string[] = [], opts: { placeholders?: boolean | ((key: string) => boolean) } = {}): StackConfig {
    let raw = readStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
    for (const s of sets) raw = applySet(raw, s);
    return parseStackConfig(stack, toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: opts.placeholders ?? true }).config;
}

function parseError(stack: string, sets: string[], opts: { placeholders?: boolean | ((key: string) => boolean) } = {}): ConfigError {
    try {
        parse(stack, sets, opts);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e;
    }
    assert.fail(`expected ${sets.join(" ")} to be rejected`);
}

/** Production switched to managed (its stack file sets app.database.port, which managed mode rejects). */
const PRODUCTION_MANAGED = ["database.mode=managed", "app.database={}"];

/** The value of an Output (tests only). */
function valueOf<T>(o: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
    return new Promise((resolve) => o.apply((value) => (o as any).isSecret.then((secret: boolean) => resolve({ value, secret }))));
}

/** A mock input value with the SDK's secret wrapper removed. */
function unwrap(v: any): any {
    if (v && typeof v === "object" && "4dabf18193072939515e22adb298388d" in v) return unwrap(v.value);
    return v;
}

describe("database config", () => {
    it("mode external is the default and accepts no other key", () => {
        assert.deepEqual(parse("production").database, { mode: "external" });
        const e = parseError("production", ["database.computeTier=M40"]);
        assert.equal(e.key, `${P}database.computeTier`);
        assert.match(e.message, /only used with database\.mode managed/);
        assert.equal(parseError("production", ["database.mode=cloud"]).key, `${P}database.mode`);
        for (const [set, key] of [["database.geoReplica.enabled=true", "database.geoReplica.enabled"], ["database.alerts.receiverUrls.firstLine=https://x", "database.alerts.receiverUrls.firstLine"]]) {
            const g = parseError("production", [set]);
            assert.equal(g.key, `${P}${key}`);
            assert.match(g.message, /only used with database\.mode managed/);
        }
    });

    it("staging is managed: its defaults, no URI keys, the egress allow is network.subnets.database on port 10260", () => {
        const c = parse("staging");
        assert.deepEqual(
            { ...c.database, alerts: undefined },
            {
                mode: "managed",
                clusterName: "mongo-it-ops-staging",
                serverVersion: "7.0",
                computeTier: "M30",
                storageSizeGb: 64,
                highAvailability: false,
                administratorUserName: "itopsadmin",
                geoReplica: undefined,
                alerts: undefined,
            },
        );
        assert.ok(c.database.mode === "managed");
        assert.deepEqual(c.database.alerts.storagePercent, { level1: 90, level3: 80 });
        assert.deepEqual(Object.keys(c.database.alerts.receiverUrls), ["firstLine"], "staging's first line is Slack");
        assert.equal(c.app.database.uri, undefined);
        assert.deepEqual(c.app.database.cidrs, [c.clusterMode === "aks" ? c.network.subnets.database : "?"]);
        assert.deepEqual(c.app.database.cidrs, ["10.30.8.0/24"]);
        assert.equal(c.app.database.port, MONGO_CLUSTER_PORT);
        assert.equal(MONGO_CLUSTER_PORT, 10260);
        assert.equal(c.backup.mongoUri, undefined);
    });

    it("production defaults when managed: HA on, geo replica in the paired region (japanwest)", () => {
        const c = parse("production", PRODUCTION_MANAGED);
        assert.ok(c.database.mode === "managed");
        assert.equal(c.database.highAvailability, true);
        assert.deepEqual(c.database.geoReplica, { location: "japanwest", clusterName: "mongo-it-ops-production-geo" });
        // Production's first line is Slack and its rotation PagerDuty: both need their Azure Monitor integration URL.
        assert.deepEqual(Object.keys(c.database.alerts.receiverUrls).sort(), ["firstLine", "rotation"]);
    });

    for (const key of MANAGED_CONFLICTS) {
        it(`managed mode rejects ${key} (one source of the connection)`, () => {
            const value = key.endsWith("cidrs") || key.endsWith("Cidrs") ? '["10.30.8.0/28"]' : key.endsWith("port") || key.endsWith("Port") ? "10260" : "mongodb://u:p@db:10260/";
            const sets = key.startsWith("migration.") ? ["migration.enabled=true", "migration.oldSystem.namespace=legacy", "migration.oldSystem.service=old", "migration.oldSystem.deployment=old", "migration.oldSystem.port=80", "migration.tlsSecretName=t", "migration.gateway.className=c", "migration.hosts=[\"it.example.com\"]", "migration.copy.runId=r1", `${key}=${value}`] : [`${key}=${value}`];
            const e = parseError("staging", sets);
            assert.equal(e.key, `${P}${key}`);
            assert.equal(e.message, `${P}${key} must not be set with database.mode managed: the stack's MongoDatabase is the one source of the connection and of its network allow (network.subnets.database, port 10260); remove it with \`pulumi config rm --path '${key}'\``);
        });
    }

    const bad: [string, string[], string, RegExp][] = [
        ["production without HA", [...PRODUCTION_MANAGED, "database.highAvailability=false"], "database.highAvailability", /must be true in production/],
        ["HA on a burstable tier", ["database.computeTier=M25", "database.highAvailability=true"], "database.highAvailability", /not supported by the burstable tier M25/],
        ["geo replica on a burstable tier", ["database.computeTier=M20", "database.geoReplica.enabled=true"], "database.geoReplica.enabled", /not supported by the burstable tier M20/],
        ["burstable storage above 128 GB", ["database.computeTier=M10", "database.storageSizeGb=256"], "database.storageSizeGb", /at most 128 with the burstable tier M10/],
        ["a storage size the service does not offer", ["database.storageSizeGb=100"], "database.storageSizeGb", /must be one of 32, 64, 128/],
        ["an unknown tier", ["database.computeTier=M35"], "database.computeTier", /must be one of M10, M20/],
        ["an unknown server version", ["database.serverVersion=4.2"], "database.serverVersion", /must be one of 5\.0, 6\.0, 7\.0, 8\.0/],
        ["a bad cluster name", ["database.clusterName=Mongo_DB"], "database.clusterName", /global DNS name/],
        ["a reserved administrator", ["database.administratorUserName=admin"], "database.administratorUserName", /reserved name/],
        ["a replica in the same region", ["database.geoReplica.enabled=true", "database.geoReplica.location=japaneast"], "database.geoReplica.location", /must differ from location \(japaneast\)/],
        ["a replica region without the service", ["database.geoReplica.enabled=true", "database.geoReplica.location=japancentral"], "database.geoReplica.location", /offers Azure DocumentDB/],
        ["replica settings without a replica", ["database.geoReplica.location=japanwest"], "database.geoReplica.location", /only used with geoReplica\.enabled true/],
        ["storage levels in the wrong order", ["database.alerts.storagePercent.level1=80", "database.alerts.storagePercent.level3=85"], "database.alerts.storagePercent.level3", /<= level1 - 1 \(79\)/],
        ["a receiver URL for a webhook role", ["database.alerts.receiverUrls.rotation=https://x"], "database.alerts.receiverUrls.rotation", /webhook receiver, which Azure Monitor calls as it is/],
        ["a receiver URL for a role without level 1/3", ["database.alerts.receiverUrls.ticketQueue=https://x"], "database.alerts.receiverUrls.ticketQueue", /receives no level-1 or level-3 alert/],
        ["a receiver URL for an unknown role", ["database.alerts.receiverUrls.boss=https://x"], "database.alerts.receiverUrls.boss", /not an on-call role/],
        ["a plaintext receiver URL", ["database.alerts.receiverUrls.firstLine=https://x"], "database.alerts.receiverUrls.firstLine", /must be set as a secret/],
        ["an unknown key", ["database.replicas=2"], "database.replicas", /not a known setting/],
    ];
    for (const [what, sets, key, message] of bad) {
        it(`rejects ${what}`, () => {
            const e = parseError(sets.includes("app.database={}") ? "production" : "staging", sets);
            assert.equal(e.key, `${P}${key}`);
            assert.match(e.message, message);
        });
    }

    it("requires the integration URL of a Slack/PagerDuty/Opsgenie role that receives level 1 or 3 (outside the offline render)", () => {
        // Every other section's secrets as placeholders; the database's own rule is under test.
        const e = parseError("staging", [], { placeholders: (key) => !key.startsWith(`${P}database.`) });
        assert.equal(e.key, `${P}database.alerts.receiverUrls.firstLine`);
        assert.match(e.message, /is required: set it with `pulumi config set --secret --path 'database\.alerts\.receiverUrls\.firstLine'/);
    });

    it("needs cluster mode aks", () => {
        const e = parseError("local", ["database.mode=managed"]);
        assert.equal(e.key, `${P}database.mode`);
        assert.match(e.message, /needs cluster\.mode aks/);
    });

    it("every default replica region offers the service, and pairs are symmetric", () => {
        for (const [a, b] of Object.entries(PAIRED_REGIONS)) {
            assert.ok((MONGO_CLUSTER_REGIONS as readonly string[]).includes(a) && (MONGO_CLUSTER_REGIONS as readonly string[]).includes(b), `${a} → ${b}`);
            assert.equal(PAIRED_REGIONS[b], a);
        }
        assert.deepEqual(BURSTABLE_TIERS, ["M10", "M20", "M25"]);
    });
});

describe("alert routing of the database", () => {
    it("level 1 goes to the first line and the rotation, level 3 to the first line (as Alertmanager routes them)", () => {
        const oncall = parse("staging").monitoring.oncall;
        assert.deepEqual(rolesForLevel(oncall, "level1"), ["firstLine", "rotation"]);
        assert.deepEqual(rolesForLevel(oncall, "level3"), ["firstLine"]);
        assert.deepEqual(databaseAlertRoles(oncall), ["firstLine", "rotation"]);
        assert.deepEqual(AZURE_SEVERITY, { level1: 0, level2: 1, level3: 2, level4: 3 });
    });
});

describe("connectionUri", () => {
    const template = "mongodb+srv://<user>:<password>@c.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256";
    it("fills in the URL-encoded credentials", () => {
        assert.equal(connectionUri(template, "itopsadmin", "p@ss/w:rd"), "mongodb+srv://itopsadmin:p%40ss%2Fw%3Ard@c.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256");
    });
    it("fails loudly when the service's format has no placeholders", () => {
        assert.throws(() => connectionUri("mongodb+srv://c.global.mongocluster.cosmos.azure.com/", "u", "p"), /no <user>\/<password> placeholders/);
    });
});

const ARGS: MongoDatabaseArgs = {
    resourceGroupName: "rg-test",
    location: "japaneast",
    clusterName: "mongo-test",
    serverVersion: "7.0",
    computeTier: "M40",
    storageSizeGb: 256,
    highAvailability: true,
    administratorUserName: "itopsadmin",
    network: { subnetId: "/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-database", vnetId: "/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/v" },
    workspaceId: "/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.OperationalInsights/workspaces/w",
    geoReplica: { location: "japanwest", clusterName: "mongo-test-geo" },
    alerts: {
        stack: "test",
        storagePercent: { level1: 90, level3: 80 },
        receivers: {
            level1: [
                { name: "first-line", kind: "webhook", url: pulumi.secret("https://hooks.example/azure") },
                { name: "oncall-rotation", kind: "email", address: "oncall@example.co.jp" },
            ],
            level3: [{ name: "first-line", kind: "webhook", url: pulumi.secret("https://hooks.example/azure") }],
        },
    },
    protect: true,
    tags: { stack: "test" },
};

describe("MongoDatabase", () => {
    it("creates a private cluster: exact inputs of every security-relevant field", async () => {
        let db: MongoDatabase | undefined;
        const r = await record(() => {
            db = new MongoDatabase("db", ARGS);
        });
        const cluster = one(r, "azure-native:mongocluster:MongoCluster", "db");
        assert.deepEqual(cluster.inputs, {
            mongoClusterName: "mongo-test",
            resourceGroupName: "rg-test",
            location: "japaneast",
            properties: {
                createMode: "Default",
                serverVersion: "7.0",
                compute: { tier: "M40" },
                storage: { sizeGb: 256 },
                sharding: { shardCount: 1 },
                highAvailability: { targetMode: "ZoneRedundantPreferred" },
                publicNetworkAccess: "Disabled",
                administrator: { userName: "itopsadmin", password: "[secret]" },
                previewFeatures: ["GeoReplicas"],
            },
            tags: { stack: "test" },
        });
        // Production: neither destroy nor a replacement deletes the data.
        assert.deepEqual(cluster.options, { protect: true, retainOnDelete: true });

        // The password: a RandomPassword (32 characters, 3 classes), passed as a secret.
        const pw = one(r, "random:index/randomPassword:RandomPassword", "db-admin-password");
        assert.deepEqual(pw.inputs, { length: 32, special: false, minLower: 2, minUpper: 2, minNumeric: 2 });
        assert.deepEqual(ADMIN_PASSWORD, { length: 32, special: false, minLower: 2, minUpper: 2, minNumeric: 2 });
        assert.deepEqual(pw.options, { protect: true, retainOnDelete: true });
        const created = r.mocks.created.find((c) => c.type === "azure-native:mongocluster:MongoCluster" && c.name === "db")!;
        const sent = unwrap(unwrap(created.inputs.properties).administrator);
        const password = r.mocks.created.find((c) => c.name === "db-admin-password")!;
        assert.ok(sent && typeof unwrap(sent.password) === "string" && unwrap(sent.password).length === 32, "the cluster gets the random password");

        // Its private endpoint in the database subnet, with the privatelink zone linked to the VNet.
        assert.deepEqual(PRIVATE_LINK_TARGETS.mongoCluster, { groupId: "MongoCluster", zone: "privatelink.mongocluster.cosmos.azure.com" });
        const endpoints = all(r, "azure-native:network:PrivateEndpoint");
        assert.deepEqual(
            endpoints.map((e) => [e.name, (e.inputs.subnet as any).id, (e.inputs.privateLinkServiceConnections as any)[0].groupIds, (e.inputs.privateLinkServiceConnections as any)[0].privateLinkServiceId]),
            [
                ["db-endpoint", ARGS.network.subnetId, ["MongoCluster"], "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.DocumentDB/mongoClusters/mongo-test"],
                ["db-geo-endpoint", ARGS.network.subnetId, ["MongoCluster"], "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.DocumentDB/mongoClusters/mongo-test-geo"],
            ],
        );
        const zone = one(r, "azure-native:privatedns:PrivateZone");
        assert.equal(zone.inputs.privateZoneName, "privatelink.mongocluster.cosmos.azure.com");
        const link = one(r, "azure-native:privatedns:VirtualNetworkLink");
        assert.deepEqual([link.inputs.virtualNetwork, link.inputs.registrationEnabled], [{ id: ARGS.network.vnetId }, false]);
        const groups = all(r, "azure-native:network:PrivateDnsZoneGroup");
        assert.equal(groups.length, 2, "both endpoints register in the one zone");
        for (const g of groups) assert.equal((g.inputs.privateDnsZoneConfigs as any)[0].privateDnsZoneId, "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Network/privateDnsZones/privatelink.mongocluster.cosmos.azure.com");

        // The connection string: the service's, with the administrator and the random password, a secret.
        const { value, secret } = await valueOf(db!.connectionString);
        assert.equal(secret, true);
        const expectedPassword = unwrap(sent.password);
        assert.equal(value, `mongodb+srv://itopsadmin:${expectedPassword}@mongo-test.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000`);
        assert.ok(password, "the password resource exists");
    });

    it("geo replica: createMode GeoReplica from the primary, private, protected, no HA of its own", async () => {
        const r = await record(() => new MongoDatabase("db", ARGS));
        const replica = one(r, "azure-native:mongocluster:MongoCluster", "db-geo");
        assert.deepEqual(replica.inputs, {
            mongoClusterName: "mongo-test-geo",
            resourceGroupName: "rg-test",
            location: "japanwest",
            properties: {
                createMode: "GeoReplica",
                replicaParameters: { sourceResourceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.DocumentDB/mongoClusters/mongo-test", sourceLocation: "japaneast" },
                publicNetworkAccess: "Disabled",
            },
            tags: { stack: "test" },
        });
        assert.deepEqual(replica.options, { protect: true, retainOnDelete: true });
    });

    it("outside production: no protect, HA off, no replica, no preview feature", async () => {
        const r = await record(() => new MongoDatabase("db", { ...ARGS, protect: false, highAvailability: false, geoReplica: undefined }));
        const cluster = one(r, "azure-native:mongocluster:MongoCluster");
        assert.deepEqual(cluster.options, {});
        assert.deepEqual((cluster.inputs.properties as any).highAvailability, { targetMode: "Disabled" });
        assert.deepEqual((cluster.inputs.properties as any).previewFeatures, []);
        assert.equal((cluster.inputs.properties as any).publicNetworkAccess, "Disabled");
        assert.deepEqual(one(r, "random:index/randomPassword:RandomPassword").options, {});
    });

    it("diagnostics to the workspace, alerts at level 1 and 3 through action groups of the on-call receivers", async () => {
        const r = await record(() => new MongoDatabase("db", ARGS));
        const diag = one(r, "azure-native:monitor:DiagnosticSetting");
        assert.deepEqual(
            [diag.inputs.resourceUri, diag.inputs.workspaceId, diag.inputs.logs, diag.inputs.metrics],
            [
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.DocumentDB/mongoClusters/mongo-test",
                ARGS.workspaceId,
                [{ category: "vCoreMongoRequests", enabled: true }],
                [{ category: "AllMetrics", enabled: true }],
            ],
        );
        const l1 = one(r, "azure-native:monitor:ActionGroup", "db-level1");
        assert.deepEqual(l1.inputs.webhookReceivers, [{ name: "first-line", serviceUri: "[secret]", useCommonAlertSchema: true }]);
        assert.deepEqual(l1.inputs.emailReceivers, [{ name: "oncall-rotation", emailAddress: "oncall@example.co.jp", useCommonAlertSchema: true }]);
        assert.equal(l1.inputs.groupShortName, "itopsdb-l1");
        const storage1 = one(r, "azure-native:monitor:MetricAlert", "db-storage-level1");
        assert.equal(storage1.inputs.severity, 0);
        assert.deepEqual((storage1.inputs.criteria as any).allOf, [
            { criterionType: "StaticThresholdCriterion", name: "storage-percent", metricNamespace: "Microsoft.DocumentDB/mongoClusters", metricName: "StoragePercent", operator: "GreaterThanOrEqual", threshold: 90, timeAggregation: "Maximum" },
        ]);
        const storage3 = one(r, "azure-native:monitor:MetricAlert", "db-storage-level3");
        assert.deepEqual([storage3.inputs.severity, (storage3.inputs.criteria as any).allOf[0].threshold], [2, 80]);
        const avail1 = one(r, "azure-native:monitor:ActivityLogAlert", "db-availability-level1");
        assert.deepEqual((avail1.inputs.condition as any).allOf, [
            { field: "category", equals: "ResourceHealth" },
            { field: "resourceType", equals: "Microsoft.DocumentDB/mongoClusters" },
            { anyOf: [{ field: "properties.currentHealthStatus", equals: "Unavailable" }] },
        ]);
        const avail3 = one(r, "azure-native:monitor:ActivityLogAlert", "db-availability-level3");
        assert.deepEqual((avail3.inputs.condition as any).allOf[2], { anyOf: [{ field: "properties.currentHealthStatus", equals: "Degraded" }] });
        assert.equal((avail3.inputs.actions as any).actionGroups[0].webhookProperties.severity, "level3");
    });

    const badArgs: [string, Partial<MongoDatabaseArgs>, RegExp][] = [
        ["a bad cluster name", { clusterName: "Mongo" }, /args\.clusterName must be 3-40 lower-case/],
        ["an unknown tier", { computeTier: "M35" as any }, /args\.computeTier must be one of M10, M20/],
        ["an unknown version", { serverVersion: "4.2" as any }, /args\.serverVersion must be one of 5\.0/],
        ["a storage size the service does not offer", { storageSizeGb: 100 }, /args\.storageSizeGb must be one of 32, 64/],
        ["HA on a burstable tier", { computeTier: "M25", storageSizeGb: 128, geoReplica: undefined }, /args\.computeTier must be a non-burstable tier/],
        ["a replica in the same region", { geoReplica: { location: "japaneast", clusterName: "mongo-test-geo" } }, /args\.geoReplica\.location must be a region other than location/],
        ["storage levels in the wrong order", { alerts: { ...ARGS.alerts!, storagePercent: { level1: 80, level3: 90 } } }, /args\.alerts\.storagePercent\.level3 must be an integer from 1 to 79/],
        ["a level without receivers", { alerts: { ...ARGS.alerts!, receivers: { level1: [], level3: ARGS.alerts!.receivers.level3 } } }, /args\.alerts\.receivers\.level1 must be a non-empty list/],
    ];
    for (const [what, change, message] of badArgs) {
        it(`rejects ${what} before creating anything`, async () => {
            const r = await record(() => assert.throws(() => new MongoDatabase("db", { ...ARGS, ...change }), message));
            assert.deepEqual(r.resources.filter((x) => x.custom).map((x) => x.type), [], "no child was created");
        });
    }
});

describe("the stack with a managed database", () => {
    it("app, backups and migration copy take the component's connection string (the same secret)", async () => {
        const cfg = parse("production", [...PRODUCTION_MANAGED, "migration.enabled=true", "migration.copy.runId=r1"]);
        const r = await record(() => deployStack(cfg), "production");
        const secrets = r.mocks.created.filter((c) => c.type === "kubernetes:core/v1:Secret");
        const data = (name: string) => unwrap(secrets.find((s) => unwrap(s.inputs.metadata).name === name || String(unwrap(s.inputs.metadata).name).startsWith(name))!.inputs.stringData);
        const pw = r.mocks.created.find((c) => c.type === "azure-native:mongocluster:MongoCluster" && c.name === "itops-database")!;
        const password = unwrap(unwrap(unwrap(pw.inputs.properties).administrator).password);
        const expected = `mongodb+srv://itopsadmin:${password}@mongo-it-ops-production.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000`;
        assert.equal(unwrap(data("it-ops-system-database")["database-uri"]), expected, "app");
        assert.equal(unwrap(data("backup-credentials").uri), expected, "backup");
        const copy = secrets.map((s) => unwrap(s.inputs.stringData)).find((d) => d && "TARGET_URI" in d);
        assert.ok(copy, "the migration copy's Secret");
        assert.equal(unwrap(copy.TARGET_URI), expected, "migration copy target");
        // The render shows the one source: the component's URN and its three consumers.
        const out = r.outputs.database as any;
        assert.equal(out.connectionString, "[secret]");
        assert.equal(out.connectionSource.source, "urn:pulumi:production::it-ops-infra::pulumi:pulumi:Stack$itops:data:MongoDatabase::itops-database");
        assert.equal(out.connectionSource.output, "connectionString");
        assert.deepEqual(
            out.connectionSource.consumers.map((u: string) => u.split("::").pop()),
            ["itops-app", "itops-backup", "itops-migration-copy"],
        );
        // The copy Job may reach the managed database's port as well as the source's.
        const np = r.resources.find((x) => x.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && JSON.stringify(x.inputs).includes("10260") && x.name.startsWith("itops-migration-copy"));
        assert.ok(np, "the copy's egress allows 10260");
    });

    it("the staging render: the cluster, its endpoint in snet-database, the app's egress on 10260, the outputs", async () => {
        const r = await render("staging");
        const cluster = one(r, "azure-native:mongocluster:MongoCluster");
        assert.equal((cluster.inputs.properties as any).publicNetworkAccess, "Disabled");
        assert.equal((cluster.inputs.properties as any).administrator.password, "[secret]");
        const pe = one(r, "azure-native:network:PrivateEndpoint", "itops-database-endpoint");
        assert.match((pe.inputs.subnet as any).id, /\/subnets\/snet-database$/);
        const np = r.resources.find((x) => (x.inputs as any).metadata?.name === "it-ops-system-allow-database-egress")!;
        assert.deepEqual((np.inputs as any).spec.egress, [{ to: [{ ipBlock: { cidr: "10.30.8.0/24" } }], ports: [{ protocol: "TCP", port: 10260 }] }]);
        const out = r.outputs.database as any;
        assert.deepEqual(out.connectionSource.consumers.map((u: string) => u.split("::").pop()), ["itops-app", "itops-backup"]);
        assert.equal(out.port, 10260);
    });

    it("mode external registers nothing of the database and renders exactly as without the section", async () => {
        const plain = await render("production");
        const explicit = await render("production", ["database.mode=external"]);
        assert.equal(all(plain, "azure-native:mongocluster:MongoCluster").length, 0);
        assert.equal(all(plain, "itops:data:MongoDatabase").length, 0);
        assert.equal(plain.outputs.database, undefined);
        assert.equal(JSON.stringify(explicit.resources), JSON.stringify(plain.resources));
        assert.equal(JSON.stringify(explicit.outputs), JSON.stringify(plain.outputs));
    });
});

describe("docs/runbooks/database-unavailable.md", () => {
    it("has the four runbook sections, names every rendered Azure alert rule, and both restore paths", async () => {
        const fs = await import("node:fs");
        const text = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "database-unavailable.md"), "utf8");
        for (const section of ["## What it means", "## First checks", "## Commands", "## When to escalate"]) assert.ok(text.includes(section), section);
        const r = await render("staging");
        const rules = [...all(r, "azure-native:monitor:ActivityLogAlert").map((a) => a.inputs.activityLogAlertName), ...all(r, "azure-native:monitor:MetricAlert").map((a) => a.inputs.ruleName)] as string[];
        assert.equal(rules.length, 4);
        for (const rule of rules) assert.ok(text.includes(rule.replace(/-staging$/, "-<stack>")), `${rule} is not in the runbook`);
        for (const a of [...all(r, "azure-native:monitor:ActivityLogAlert"), ...all(r, "azure-native:monitor:MetricAlert")]) {
            const props = (a.inputs.actions as any).actionGroups?.[0]?.webhookProperties ?? (a.inputs.actions as any)[0].webHookProperties;
            assert.equal(props.runbook, "docs/runbooks/database-unavailable.md");
        }
        assert.match(text, /point-in-time restore \(PITR\)/);
        assert.match(text, /scripts\/restore-backup\.sh/);
        assert.ok(fs.existsSync(path.join(PROJECT_DIR, "scripts", "restore-backup.sh")));
    });
});

describe("ordering", () => {
    it("the app's pods wait for the managed database (cluster, endpoint and DNS)", async () => {
        const r = await render("staging");
        const app = one(r, "itops:app:ItOpsApp");
        assert.ok(app.options.dependsOn?.includes(one(r, "itops:data:MongoDatabase").urn), String(app.options.dependsOn));
    });
});
