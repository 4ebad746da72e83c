/** A small typed on-call spec for component tests (every role a webhook with its secret). */
import type { OnCallArgs } from "../../components/monitoring";

/** "TZif2" in base64: the start of a TZif file, enough for the components' check. */
export const TZIF_FIXTURE = "VFppZjI=";

export const ONCALL_FIXTURE: OnCallArgs = {
    timezone: "Asia/Tokyo",
    businessHours: { start: "09:00", end: "18:00", weekdays: ["monday", "tuesday", "wednesday", "thursday", "friday"] },
    holidays: [],
    receivers: {
        firstLine: { kind: "webhook", hasSecret: true },
        rotation: { kind: "webhook", hasSecret: true },
        escalation: { kind: "webhook", hasSecret: true },
        ticketQueue: { kind: "email", to: "it-ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", hasSecret: false },
    },
    secrets: { firstLine: "https://hooks.example.com/1", rotation: "https://hooks.example.com/2", escalation: "https://hooks.example.com/3" },
    repeatIntervals: { level1: "30m", level2: "1h", level3: "4h", level4: "24h" },
    groupBy: ["alertname", "service"],
    groupWait: "30s",
    groupInterval: "5m",
    resolveTimeout: "5m",
};
