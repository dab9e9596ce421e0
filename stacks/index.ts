// The Pulumi program (Pulumi.yaml `main`): one QuarantineDataPlatform per stack, configured by the
// stack's settings (Pulumi.<stack>.yaml; see Pulumi.dev.yaml for every setting). The region is the
// stack's `aws:region`.
import * as pulumi from '@pulumi/pulumi';
import { QuarantineDataPlatform } from '../infra/index.ts';
import { settingsFromConfig } from './config.ts';

const result = settingsFromConfig(pulumi.runtime.allConfig(), pulumi.getStack());
if (result.settings === undefined) {
  throw new pulumi.RunError(
    `invalid stack configuration (${result.problems.length} problem(s)):\n- ${result.problems.join('\n- ')}`,
  );
}
const platform = new QuarantineDataPlatform(result.settings.name, result.settings.args);

export const sftpEndpoint = platform.sftpEndpoint;
export const landingBucketName = platform.landingBucketName;
export const successTopicArn = platform.successTopicArn;
export const failureTopicArn = platform.failureTopicArn;
export const databaseEndpoint = platform.databaseEndpoint;
export const databaseSecretArn = platform.databaseSecretArn;
export const dashboardName = platform.dashboardName;
export const analyticsWorkgroupName = platform.analyticsWorkgroupName;
export const kmsKeyArn = platform.kmsKeyArn;
export const glueWorkflowName = platform.glueWorkflowName;
export const portalUrl = platform.portalUrl;
export const portalSettingsSecretArn = platform.portalSettingsSecretArn;
