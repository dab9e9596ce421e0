// The functions' environment: names declared once, every problem reported at once and named.
import { describe, expect, it } from 'vitest';
import { environmentNames, parseEnvironment } from '../../functions/environment.ts';
import { toPositional } from '../../db/sql.ts';
import { LAMBDA_ENV } from '../../contracts/lambda.ts';

const ARN = 'arn:aws:rds:eu-south-1:123456789012:cluster:qdp';

describe('environment', () => {
  it('lists the variables each function reads', () => {
    expect(environmentNames('on-upload')).toEqual([
      'QDP_DATABASE_CLUSTER_ARN',
      'QDP_DATABASE_SECRET_ARN',
      'QDP_DATABASE_NAME',
      'QDP_FAILURE_TOPIC_ARN',
      'QDP_GLUE_WORKFLOW_NAME',
      'QDP_MAX_FILE_BYTES',
    ]);
    expect(environmentNames('notify')).toEqual([
      'QDP_DATABASE_CLUSTER_ARN',
      'QDP_DATABASE_SECRET_ARN',
      'QDP_DATABASE_NAME',
      'QDP_SUCCESS_TOPIC_ARN',
      'QDP_FAILURE_TOPIC_ARN',
      'QDP_GLUE_WORKFLOW_NAME',
      'QDP_PLATFORM_NAME',
      'QDP_TIME_ZONE',
    ]);
    expect(environmentNames('migrate')).toEqual([
      'QDP_DATABASE_SECRET_ARN',
      'QDP_DATABASE_NAME',
      'QDP_DATABASE_HOST',
      'QDP_DATABASE_PORT',
      'QDP_DATABASE_TLS',
      'QDP_TERRITORY_PROVINCES',
      'QDP_PORTAL_SETTINGS_SECRET_ARN',
      'QDP_PORTAL_LOGIN_ROLE',
    ]);
  });

  it('parses with defaults', () => {
    expect(
      parseEnvironment('notify', {
        [LAMBDA_ENV.databaseClusterArn]: ARN,
        [LAMBDA_ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:x',
        [LAMBDA_ENV.databaseName]: 'qdp',
        [LAMBDA_ENV.successTopicArn]: 'arn:aws:sns:eu-south-1:123456789012:p-ETL_Success',
        [LAMBDA_ENV.failureTopicArn]: 'arn:aws:sns:eu-south-1:123456789012:p-ETL_Failure',
        [LAMBDA_ENV.glueWorkflowName]: 'p-import',
        [LAMBDA_ENV.platformName]: 'p',
        [LAMBDA_ENV.timeZone]: '',
      }),
    ).toMatchObject({ QDP_TIME_ZONE: 'Europe/Rome', QDP_PLATFORM_NAME: 'p' });
    expect(
      parseEnvironment('migrate', {
        [LAMBDA_ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:x',
        [LAMBDA_ENV.databaseName]: 'qdp',
        [LAMBDA_ENV.databaseHost]: 'db.example',
        [LAMBDA_ENV.territoryProvinces]: 'vr, vi',
      }),
    ).toEqual({
      QDP_DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:x',
      QDP_DATABASE_NAME: 'qdp',
      QDP_DATABASE_HOST: 'db.example',
      QDP_DATABASE_PORT: 5432,
      QDP_DATABASE_TLS: 'verify-full',
      QDP_TERRITORY_PROVINCES: ['VR', 'VI'],
      QDP_PORTAL_LOGIN_ROLE: 'qdp_portal_login',
    });
  });

  it('reports every problem at once, each naming its variable', () => {
    expect(() =>
      parseEnvironment('on-upload', {
        [LAMBDA_ENV.databaseClusterArn]: 'cluster-1',
        [LAMBDA_ENV.databaseName]: 'qdp',
        [LAMBDA_ENV.maxFileBytes]: '-1',
        [LAMBDA_ENV.glueWorkflowName]: 'w',
      }),
    ).toThrow(
      'on-upload: invalid environment: QDP_DATABASE_CLUSTER_ARN: must be an ARN (arn:aws:…); QDP_DATABASE_SECRET_ARN: is not set; QDP_FAILURE_TOPIC_ARN: is not set; QDP_MAX_FILE_BYTES: Too small: expected number to be >0',
    );
    expect(() =>
      parseEnvironment('notify', {
        [LAMBDA_ENV.databaseClusterArn]: ARN,
        [LAMBDA_ENV.databaseSecretArn]: ARN,
        [LAMBDA_ENV.databaseName]: 'qdp',
        [LAMBDA_ENV.successTopicArn]: ARN,
        [LAMBDA_ENV.failureTopicArn]: ARN,
        [LAMBDA_ENV.glueWorkflowName]: 'w',
        [LAMBDA_ENV.platformName]: 'p',
        [LAMBDA_ENV.timeZone]: 'Europe/Verona',
      }),
    ).toThrow(
      'notify: invalid environment: QDP_TIME_ZONE: must be an IANA time zone such as Europe/Rome',
    );
    const migrate = {
      [LAMBDA_ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:x',
      [LAMBDA_ENV.databaseName]: 'qdp',
      [LAMBDA_ENV.databaseHost]: 'db.example',
      [LAMBDA_ENV.territoryProvinces]: 'VR',
    };
    expect(() =>
      parseEnvironment('migrate', {
        ...migrate,
        [LAMBDA_ENV.portalSettingsSecretArn]: 'qdp-portal',
        [LAMBDA_ENV.portalLoginRole]: 'Portal-Login',
      }),
    ).toThrow(
      'migrate: invalid environment: QDP_PORTAL_SETTINGS_SECRET_ARN: must be an ARN (arn:aws:…); QDP_PORTAL_LOGIN_ROLE: must be a lower-case PostgreSQL role name',
    );
    expect(() =>
      parseEnvironment('migrate', { ...migrate, [LAMBDA_ENV.portalLoginRole]: 'qdp_portal' }),
    ).toThrow(
      'migrate: invalid environment: QDP_PORTAL_LOGIN_ROLE: must not be a role of the access policy',
    );
  });
});

describe('toPositional', () => {
  it('numbers named parameters in order of first use and leaves casts alone', () => {
    expect(toPositional('select :b::text, :a, :b', { a: 1, b: 'x' })).toEqual({
      text: 'select $1::text, $2, $1',
      values: ['x', 1],
    });
    expect(() => toPositional('select :missing', {})).toThrow(
      'SQL parameter :missing has no value',
    );
  });
});
