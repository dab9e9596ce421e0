// KMS keys.
import { forType, resourceRule, TYPES } from './support.ts';

export const kmsRotation = resourceRule(
  {
    name: 'qdp-kms-rotation',
    controls: ['KMS.4'],
    severity: 'medium',
    description: 'Every customer-managed KMS key has automatic rotation on.',
    remediationSteps: 'Set enableKeyRotation true.',
  },
  forType(TYPES.key, (props, args, report) => {
    if (props['enableKeyRotation'] !== true) report(`KMS key ${args.name}: rotation off`);
  }),
);

export const kmsRules = [kmsRotation];
