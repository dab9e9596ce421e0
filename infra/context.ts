// What the components read about the AWS account they deploy into, through the invokes of the
// provider that reaches them (their parent's), so that every child of a component in another
// region or account sees that region and account.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface AwsContext {
  accountId: pulumi.Output<string>;
  region: pulumi.Output<string>;
  /** `aws`, `aws-cn`, `aws-us-gov`… */
  partition: pulumi.Output<string>;
}

export function awsContext(parent: pulumi.Resource): AwsContext {
  const opts = { parent };
  return {
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
    region: aws.getRegionOutput({}, opts).region,
    partition: aws.getPartitionOutput({}, opts).partition,
  };
}

/** An IAM policy statement as this package writes them: never a `*` action. */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: unknown;
}

/** A policy document whose values may be Outputs, as a JSON string Output. */
export function policyDocument(statements: Statement[]): pulumi.Output<string> {
  return pulumi.jsonStringify(pulumi.output({ Version: '2012-10-17', Statement: statements }));
}

/**
 * The trust policy of a role assumed by an AWS service. With `accountId`, on behalf of this
 * account only (`aws:SourceAccount`: for services that send it when they assume a role, such as
 * Transfer Family and EventBridge Scheduler); without, for services that assume their own
 * execution role and send no source context (Lambda, Glue, EC2).
 */
export function serviceTrust(
  service: string,
  accountId?: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.jsonStringify(
    pulumi.output({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: service },
          Action: 'sts:AssumeRole',
          ...(accountId === undefined
            ? {}
            : { Condition: { StringEquals: { 'aws:SourceAccount': accountId } } }),
        },
      ],
    }),
  );
}

/**
 * `kms:GenerateDataKey` on the platform key only through Secrets Manager (`kms:ViaService`): a
 * role that writes a new version of a secret encrypted with the key (its `kms:Decrypt` is the
 * function environment's statement).
 */
export function secretsManagerKeyStatement(
  sid: string,
  kmsKeyArn: pulumi.Input<string>,
  parent: pulumi.Resource,
): Statement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey'],
    Resource: kmsKeyArn,
    Condition: {
      StringEquals: {
        'kms:ViaService': pulumi.interpolate`secretsmanager.${aws.getRegionOutput({}, { parent }).region}.amazonaws.com`,
      },
    },
  };
}
