// The policy pack entry (PulumiPolicy.yaml: main). Registers every rule of infra/policies.ts, in
// its order, with the enforcement level each rule declares. Run it with
// `pulumi preview --policy-pack infra/policy-pack` (the Pulumi CLI starts it and talks to it).
import { PolicyPack } from '@pulumi/policy';
import { platformPolicies } from '../policies.ts';

/** The pack's name, as `pulumi preview` reports it. */
export const POLICY_PACK_NAME = 'quarantine-data-platform';

export const pack = new PolicyPack(POLICY_PACK_NAME, { policies: platformPolicies });
