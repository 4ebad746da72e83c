/**
 * Sets the replica count of a Deployment this program does not own (the old system during a
 * migration) with a server-side-apply patch: only `spec.replicas` is claimed, under its own field
 * manager; the rest of the Deployment stays with whoever deployed it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";


export interface DeploymentReplicasArgs {
    readonly namespace: string;
    readonly deploymentName: string;
    readonly replicas: number;
    /** Server-side-apply field manager of the patch. @default "itops-migration" */
    readonly fieldManager?: string;
}

/**
 * Patches `spec.replicas` of an existing Deployment (server-side apply, forced for that field).
 *
 * The patch is retained on delete (`pulumi destroy`, or the migration switched off): the Deployment
 * keeps the last replica count the patch set, and the field manager keeps `spec.replicas`, until
 * someone scales it (`kubectl scale` takes the field over). Deleting the patch instead would make the
 * provider relinquish the field, after which the count depends on the Deployment's other field
 * managers (a field left without one returns to its default): not a count anyone chose (docs/migration.md).
 */
export class DeploymentReplicas extends pulumi.ComponentResource {
    public readonly replicas: number;

    constructor(name: string, args: DeploymentReplicasArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:migration:DeploymentReplicas", name, {}, opts);
        const v = new ArgsValidator("DeploymentReplicas");
        v.matches("namespace", args.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.dnsSubdomain("deploymentName", args.deploymentName);
        v.integer("replicas", args.replicas, 0, 1000);
        const fieldManager = v.matches("fieldManager", args.fieldManager ?? "itops-migration", DNS1123_LABEL, DNS1123_LABEL_TEXT);
        this.replicas = args.replicas;

        new k8s.apps.v1.DeploymentPatch(
            name,
            {
                metadata: {
                    name: args.deploymentName,
                    namespace: args.namespace,
                    annotations: {
                        // Take over spec.replicas from the Deployment's previous manager (kubectl apply).
                        "pulumi.com/patchForce": "true",
                        "pulumi.com/patchFieldManager": fieldManager,
                    },
                },
                spec: { replicas: args.replicas },
            },
            { parent: this, retainOnDelete: true },
        );
        this.registerOutputs({ replicas: this.replicas });
    }
}
