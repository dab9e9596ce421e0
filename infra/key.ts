// The platform's KMS key (DESIGN §1: health data under the authority's own key): the caller's key,
// or one made here with rotation on and a key policy that names every AWS service that uses it.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsContext, policyDocument } from './context.ts';
import { known, ownNames, type FieldNames, refuseInvalid } from './validation.ts';

export interface PlatformKeyArgs {
  /** The caller's key ARN; when given no key is created. @default undefined */
  kmsKeyArn?: pulumi.Input<string>;
  /** Shown in the key's description. */
  authorityName: pulumi.Input<string>;
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/;

/** @internal Every problem with a PlatformKey's arguments, each naming its field (`names`); pure. */
export function validatePlatformKeyArgs(
  args: Pick<PlatformKeyArgs, 'kmsKeyArn'>,
  names: FieldNames<'kmsKeyArn'> = ownNames(['kmsKeyArn']),
): string[] {
  const keyArn = known(args.kmsKeyArn);
  return keyArn !== undefined && !KMS_KEY_ARN.test(keyArn)
    ? [
        `${names.kmsKeyArn}: "${keyArn}" must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias or key id`,
      ]
    : [];
}

/** What the account's administrators may do with the key (the AWS default is `kms:*`). */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

export class PlatformKey extends pulumi.ComponentResource {
  /** The key's ARN (the caller's or the created one). */
  readonly keyArn: pulumi.Output<string>;
  /** The created key, or undefined with the caller's key. */
  readonly key: aws.kms.Key | undefined;

  constructor(name: string, args: PlatformKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalid('PlatformKey', name, validatePlatformKeyArgs(args));
    super('quarantine:key:PlatformKey', name, {}, opts);
    if (args.kmsKeyArn !== undefined) {
      this.key = undefined;
      this.keyArn = pulumi.output(args.kmsKeyArn);
    } else {
      const { accountId, region, partition } = awsContext(this);
      const root = pulumi.interpolate`arn:${partition}:iam::${accountId}:root`;
      this.key = new aws.kms.Key(
        `${name}-key`,
        {
          description: pulumi.interpolate`Quarantine data platform of ${args.authorityName}: landing files, database, logs, topics`,
          keyUsage: 'ENCRYPT_DECRYPT',
          customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: policyDocument([
            {
              Sid: 'AccountAdministration',
              Effect: 'Allow',
              Principal: { AWS: root },
              Action: KEY_ADMIN_ACTIONS,
              Resource: '*',
            },
            {
              Sid: 'CloudWatchLogsOfThisAccount',
              Effect: 'Allow',
              Principal: { Service: pulumi.interpolate`logs.${region}.amazonaws.com` },
              Action: [
                'kms:Encrypt',
                'kms:Decrypt',
                'kms:ReEncryptFrom',
                'kms:ReEncryptTo',
                'kms:GenerateDataKey',
                'kms:GenerateDataKeyWithoutPlaintext',
                'kms:DescribeKey',
              ],
              Resource: '*',
              Condition: {
                ArnLike: {
                  'kms:EncryptionContext:aws:logs:arn': pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:*`,
                },
              },
            },
            {
              Sid: 'CloudWatchAlarmsToEncryptedTopics',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
            },
          ]),
        },
        { parent: this },
      );
      new aws.kms.Alias(
        `${name}-alias`,
        { name: `alias/${name}`, targetKeyId: this.key.keyId },
        { parent: this },
      );
      this.keyArn = this.key.arn;
    }
    this.registerOutputs({ keyArn: this.keyArn });
  }
}
