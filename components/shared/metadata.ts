/**
 * Object metadata helpers. The API server drops an empty `labels: {}` / `annotations: {}` map, so
 * sending one makes every later `pulumi preview` show an update that never settles (a perpetual diff).
 */

/** `{ labels }` when there is at least one label, else `{}`: spread it into `metadata`. */
export function labelsField(labels: Readonly<Record<string, string>> | undefined): { labels?: Record<string, string> } {
    return labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {};
}
