/**
 * The container images a rendering deploys: every `image` of the pod templates of the Kubernetes
 * objects the program declares (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs).
 * The CI image scan (`.github/workflows/image-scan.yml`) scans exactly these.
 */
import { RenderedResource } from "./render";

/** The pod spec inside a Kubernetes object, wherever its kind keeps it. */
function podSpecs(obj: Record<string, any>): Record<string, any>[] {
    switch (obj.kind) {
        case "Pod":
            return [obj.spec ?? {}];
        case "CronJob":
            return [obj.spec?.jobTemplate?.spec?.template?.spec ?? {}];
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "Job":
            return [obj.spec?.template?.spec ?? {}];
        default:
            return [];
    }
}

/** Unique images, sorted, of the Kubernetes objects among `resources`. */
export function imagesOf(resources: readonly RenderedResource[]): string[] {
    const images = new Set<string>();
    for (const r of resources) {
        if (!r.type.startsWith("kubernetes:")) continue;
        for (const spec of podSpecs(r.inputs as Record<string, any>)) {
            for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
                if (typeof c.image === "string" && c.image) images.add(c.image);
            }
        }
    }
    return [...images].sort();
}
