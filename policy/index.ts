/**
 * The it-ops-infra policy pack. Run it with the program:
 *
 *     pulumi preview --stack <stack> --policy-pack policy
 *
 * Every policy is `mandatory`. The stack-dependent settings (the stack's registry, production or
 * not, public LoadBalancers allowed or not) come from the stack's own configuration
 * (`it-ops-infra:registry.name` or `.loginServer`, `it-ops-infra:app.allowPublicLoadBalancer`), which the Pulumi
 * CLI makes readable to policy packs; `--policy-pack-config <file>` can override them per policy.
 */
import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
import { policyConfigFor, RESOURCE_POLICIES, STACK_POLICIES, StackFacts } from "./policies";

/** Reads the facts the policy config is derived from; missing config leaves them unset. */
function stackFacts(): StackFacts {
    let stack = "";
    let registryName: string | undefined;
    let registryLoginServer: string | undefined;
    let allowPublicLoadBalancer: boolean | undefined;
    let publicNetworkAccess: boolean | undefined;
    try {
        stack = pulumi.getStack();
        const config = new pulumi.Config("it-ops-infra");
        const registry = config.getObject<{ name?: string; loginServer?: string }>("registry");
        registryName = registry?.name;
        registryLoginServer = registry?.loginServer;
        allowPublicLoadBalancer = config.getObject<{ allowPublicLoadBalancer?: boolean }>("app")?.allowPublicLoadBalancer;
        publicNetworkAccess = config.getObject<{ publicNetworkAccess?: boolean }>("network")?.publicNetworkAccess;
    } catch {
        // An engine that does not pass the stack's config: the policies then fail closed
        // (no registry is allowed) until `--policy-pack-config` supplies the values.
    }
    return { stack, registryName, registryLoginServer, allowPublicLoadBalancer, publicNetworkAccess };
}

new PolicyPack(
    "it-ops-policy",
    { enforcementLevel: "mandatory", policies: [...RESOURCE_POLICIES, ...STACK_POLICIES] },
    policyConfigFor(stackFacts()),
);
