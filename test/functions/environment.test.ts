// The functions' environment: names declared once, every problem reported at once and named.
import { describe, expect, it } from 'vitest';
import {
  ENV,
  environmentNames,
  STAGED_LINE_NUMBER_COLUMN,
  parseEnvironment,
  WORKFLOW_RUN_PROPERTIES,
} from '../../functions/environment.ts';
import { toPositional } from '../../functions/sql.ts';

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
        [ENV.databaseClusterArn]: ARN,
        [ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:x',
        [ENV.databaseName]: 'qdp',
        [ENV.successTopicArn]: 'arn:aws:sns:eu-south-1:123456789012:p-ETL_Success',
        [ENV.failureTopicArn]: 'arn:aws:sns:eu-south-1:123456789012:p-ETL_Failure',
        [ENV.glueWorkflowName]: 'p-import',
        [ENV.platformName]: 'p',
        [ENV.timeZone]: '',
      }),
    ).toMatchObject({ QDP_TIME_ZONE: 'Europe/Rome', QDP_PLATFORM_NAME: 'p' });
    expect(
      parseEnvironment('migrate', {
        [ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:x',
        [ENV.databaseName]: 'qdp',
        [ENV.databaseHost]: 'db.example',
        [ENV.territoryProvinces]: 'vr, vi',
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
        [ENV.databaseClusterArn]: 'cluster-1',
        [ENV.databaseName]: 'qdp',
        [ENV.maxFileBytes]: '-1',
        [ENV.glueWorkflowName]: 'w',
      }),
    ).toThrow(
      'on-upload: invalid environment: QDP_DATABASE_CLUSTER_ARN: must be an ARN (arn:aws:…); QDP_DATABASE_SECRET_ARN: is not set; QDP_FAILURE_TOPIC_ARN: is not set; QDP_MAX_FILE_BYTES: Too small: expected number to be >0',
    );
    expect(() =>
      parseEnvironment('notify', {
        [ENV.databaseClusterArn]: ARN,
        [ENV.databaseSecretArn]: ARN,
        [ENV.databaseName]: 'qdp',
        [ENV.successTopicArn]: ARN,
        [ENV.failureTopicArn]: ARN,
        [ENV.glueWorkflowName]: 'w',
        [ENV.platformName]: 'p',
        [ENV.timeZone]: 'Europe/Verona',
      }),
    ).toThrow(
      'notify: invalid environment: QDP_TIME_ZONE: must be an IANA time zone such as Europe/Rome',
    );
    const migrate = {
      [ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:x',
      [ENV.databaseName]: 'qdp',
      [ENV.databaseHost]: 'db.example',
      [ENV.territoryProvinces]: 'VR',
    };
    expect(() =>
      parseEnvironment('migrate', {
        ...migrate,
        [ENV.portalSettingsSecretArn]: 'qdp-portal',
        [ENV.portalLoginRole]: 'Portal-Login',
      }),
    ).toThrow(
      'migrate: invalid environment: QDP_PORTAL_SETTINGS_SECRET_ARN: must be an ARN (arn:aws:…); QDP_PORTAL_LOGIN_ROLE: must be a lower-case PostgreSQL role name',
    );
    expect(() =>
      parseEnvironment('migrate', { ...migrate, [ENV.portalLoginRole]: 'qdp_portal' }),
    ).toThrow(
      'migrate: invalid environment: QDP_PORTAL_LOGIN_ROLE: must not be a role of the access policy',
    );
  });

  it('reads the workflow run property names from glue/job-arguments.json', () => {
    expect(WORKFLOW_RUN_PROPERTIES).toEqual({
      importId: 'qdp_import_id',
      stagedBucket: 'qdp_staged_bucket',
      stagedKey: 'qdp_staged_key',
      sourceName: 'qdp_source_name',
    });
    expect(STAGED_LINE_NUMBER_COLUMN).toBe('QDP_LINE_NO');
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
