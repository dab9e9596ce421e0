// Every rule of the pack, area by area, in the order the pack lists them.
import { backupRules } from './backup.ts';
import { ec2Rules } from './ec2.ts';
import { elbRules } from './elb.ts';
import { glueRules } from './glue.ts';
import { iamRules } from './iam.ts';
import { kmsRules } from './kms.ts';
import { lambdaRules } from './lambda.ts';
import { logRules } from './logs.ts';
import { messagingRules } from './messaging.ts';
import { networkRules } from './network.ts';
import { rdsRules } from './rds.ts';
import { redshiftRules } from './redshift.ts';
import { s3Rules } from './s3.ts';
import { secretRules } from './secrets.ts';
import type { PlatformPolicy } from './support.ts';
import { transferRules } from './transfer.ts';

export type { PlatformPolicy } from './support.ts';
export * from './backup.ts';
export * from './ec2.ts';
export * from './elb.ts';
export * from './glue.ts';
export * from './iam.ts';
export * from './kms.ts';
export * from './lambda.ts';
export * from './logs.ts';
export * from './messaging.ts';
export * from './network.ts';
export * from './rds.ts';
export * from './redshift.ts';
export * from './s3.ts';
export * from './secrets.ts';
export * from './transfer.ts';

export const platformPolicies: PlatformPolicy[] = [
  ...s3Rules,
  ...lambdaRules,
  ...glueRules,
  ...rdsRules,
  ...backupRules,
  ...redshiftRules,
  ...transferRules,
  ...ec2Rules,
  ...elbRules,
  ...networkRules,
  ...messagingRules,
  ...logRules,
  ...kmsRules,
  ...secretRules,
  ...iamRules,
];
