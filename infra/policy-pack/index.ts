// The policy pack's program: `pulumi preview --policy-pack infra/policy-pack` has the Node.js
// language host run @pulumi/pulumi/cmd/run-policy-pack in this folder, which requires the folder
// (package.json main: launch.cjs, which loads this file) and serves the pack over gRPC.
// @pulumi/policy reads the pack's version from ./package.json of the working directory.
import { PolicyPack } from '@pulumi/policy';
import { platformPolicies } from './rules/index.ts';

/** The pack's name, as `pulumi preview` reports it. */
export const POLICY_PACK_NAME = 'quarantine-data-platform';

export const pack = new PolicyPack(POLICY_PACK_NAME, {
  description:
    'The security baseline of the quarantine data platform: AWS Foundational Security Best Practices and Checkov controls, by ID.',
  provider: 'aws',
  policies: platformPolicies,
});
