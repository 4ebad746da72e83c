/**
 * A Microsoft Defender for Cloud plan at subscription scope (`Microsoft.Security/pricings`),
 * e.g. Defender for Containers: runtime threat detection on AKS nodes and vulnerability
 * assessment of the images in the subscription's registries.
 */
import * as pulumi from "@pulumi/pulumi";
import * as security from "@pulumi/azure-native/security";
import { ArgsValidator, UUID } from "../shared/validation";

/** Defender plans this project enables. */
export const DEFENDER_PLANS = ["Containers"] as const;
export type DefenderPlanName = (typeof DEFENDER_PLANS)[number];
export const DEFENDER_TIERS = ["Free", "Standard"] as const;
export type DefenderTier = (typeof DEFENDER_TIERS)[number];

/** The ARM scope of a subscription. */
export function subscriptionScope(subscriptionId: string): string {
    if (!UUID.test(subscriptionId)) throw new Error(`not a subscription id: ${subscriptionId}`);
    return `/subscriptions/${subscriptionId}`;
}

export interface DefenderPlanArgs {
    /** The subscription the plan applies to. */
    readonly subscriptionId: pulumi.Input<string>;
    /** Which plan. */
    readonly plan: DefenderPlanName;
    /** Standard enables the plan; Free turns it off (the caller states it: infra/stack.ts). */
    readonly pricingTier: DefenderTier;
}

export class DefenderPlan extends pulumi.ComponentResource {
    public readonly pricingId: pulumi.Output<string>;

    constructor(name: string, args: DefenderPlanArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:security:DefenderPlan", name, {}, opts);
        const v = new ArgsValidator("DefenderPlan");
        const plan = v.oneOf("plan", args.plan, DEFENDER_PLANS);
        const pricingTier = v.oneOf("pricingTier", args.pricingTier, DEFENDER_TIERS);

        const pricing = new security.Pricing(name, {
            pricingName: plan,
            pricingTier,
            scopeId: pulumi.output(args.subscriptionId).apply(subscriptionScope),
        }, { parent: this });
        this.pricingId = pricing.id;
        this.registerOutputs({ pricingId: this.pricingId });
    }
}
