// ETL: the Glue side of an import. A Data Catalog database and a CSV classifier; a crawler over
// the staged files (`staging/<import id>/`, one table per folder); a security configuration (the
// platform key for S3, CloudWatch logs and job bookmarks); a JDBC connection to Aurora in the
// private subnets whose credentials Glue reads from Secrets Manager (and one to Redshift when
// analytics is on); the import and analytics jobs (Glue 5.0, scripts uploaded from glue/); a
// workflow that runs the crawler, then the import job (then the analytics job); the analytics job
// also runs nightly. Job argument names, scripts and extra files come from
// contracts/job-arguments.json (contracts/glue.ts), the declaration the Python scripts read too.
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { dataFile } from './artifacts.ts';
import { awsContext, policyDocument, serviceTrust, type Statement } from './context.ts';
import { DATABASE_PORT } from './database.ts';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';
import { BUCKET_LAYOUT } from '../contracts/bucket-layout.ts';
import {
  GLUE_DECLARATION,
  glueArgumentName,
  type GlueDeclaration,
  type GlueJobDeclaration,
} from '../contracts/glue.ts';

/** Where the component puts the jobs' scripts and files, and the jobs' temporary directory. */
export const GLUE_SCRIPTS_PREFIX = BUCKET_LAYOUT.glueScripts;
export const GLUE_FILES_PREFIX = BUCKET_LAYOUT.glueFiles;
export const GLUE_TEMP_PREFIX = BUCKET_LAYOUT.glueTemp;
/** Workers of each job run (G.1X: 4 vCPU, 16 GB). */
export const GLUE_WORKER_TYPE = 'G.1X';
export const GLUE_WORKERS = 2;
/** Minutes after which a job run is stopped (state TIMEOUT: an ETL_Failure message). */
export const GLUE_JOB_TIMEOUT_MINUTES = 60;
/** Rows per JDBC batch insert into the transit table (Spark's default is 1000). */
export const GLUE_JDBC_BATCH_SIZE = 5000;
/** When the analytics job also runs on its own (UTC), besides after each import. */
export const ANALYTICS_NIGHTLY_SCHEDULE = 'cron(30 1 * * ? *)';

/** contracts/job-arguments.json through its typed reader: the contract with the scripts. */
export function jobDeclarations(): GlueDeclaration {
  return GLUE_DECLARATION;
}

/** The classifier settings of the declaration, without its comments. */
function csvClassifierOf(c: GlueDeclaration['stagedFile']['classifier']) {
  return {
    delimiter: c.delimiter,
    quoteSymbol: c.quoteSymbol,
    containsHeader: c.containsHeader,
    serde: c.serde,
    customDatatypeConfigured: c.customDatatypeConfigured,
    customDatatypes: c.customDatatypes,
  };
}

/** @internal Etl's physical names (the other components take its outputs). */
export function etlNames(name: string) {
  return {
    catalogDatabase: `${name.replace(/-/g, '_')}_staging`,
    crawler: physicalName('glue', name, 'staging'),
    importJob: physicalName('glue', name, 'import'),
    analyticsJob: physicalName('glue', name, 'analytics'),
    workflow: physicalName('glue', name, 'import'),
    securityConfiguration: physicalName('glue', name, 'glue'),
    databaseConnection: physicalName('glue', name, 'aurora'),
    redshiftConnection: physicalName('glue', name, 'redshift'),
    logGroup: `/aws-glue/${name}`,
  };
}

export interface EtlArgs {
  kmsKeyArn: pulumi.Input<string>;
  /** The landing bucket (staged files under `staging/`, scripts and temp under `glue/`). */
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  /** Private subnets; the connections sit in the first one. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The security group of the connections: it must reach the database and the AWS endpoints; the
   * component adds the self-referencing rules Glue requires (all TCP from and to itself).
   */
  securityGroupId: pulumi.Input<string>;
  databaseEndpoint: pulumi.Input<string>;
  databaseName: pulumi.Input<string>;
  databaseSecretArn: pulumi.Input<string>;
  /** The Redshift workgroup to feed; without it there is no analytics job. */
  analytics?: {
    endpoint: pulumi.Input<string>;
    port: pulumi.Input<number>;
    databaseName: pulumi.Input<string>;
    secretArn: pulumi.Input<string>;
  };
  /** @default 731 */
  logRetentionDays?: pulumi.Input<number>;
  /**
   * Declare the account's Data Catalog encryption settings (SSE-KMS with `kmsKeyArn`, connection
   * passwords encrypted): an account-wide singleton, so only when this platform owns it.
   * @default false
   */
  manageDataCatalogEncryption?: boolean;
}

export class Etl extends pulumi.ComponentResource {
  readonly workflowName: pulumi.Output<string>;
  readonly workflowArn: pulumi.Output<string>;
  readonly importJobName: pulumi.Output<string>;
  readonly analyticsJobName: pulumi.Output<string | undefined>;
  readonly crawlerName: pulumi.Output<string>;
  readonly catalogDatabaseName: pulumi.Output<string>;

  constructor(name: string, args: EtlArgs, opts?: pulumi.ComponentResourceOptions) {
    super('quarantine:etl:Etl', name, {}, opts);
    const declared = jobDeclarations();
    const names = etlNames(name);
    const { accountId, region, partition } = awsContext(this);
    const glueArn = (resource: string) =>
      pulumi.interpolate`arn:${partition}:glue:${region}:${accountId}:${resource}`;
    const s3Url = (key: string) => pulumi.interpolate`s3://${args.bucketName}/${key}`;

    // The self-referencing rules AWS checks when a job with a connection starts.
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-glue-self-in`,
      {
        securityGroupId: args.securityGroupId,
        description: 'Glue workers of the same job talk to each other (required by Glue)',
        ipProtocol: 'tcp',
        fromPort: 0,
        toPort: 65535,
        referencedSecurityGroupId: args.securityGroupId,
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-glue-self-out`,
      {
        securityGroupId: args.securityGroupId,
        description: 'Glue workers of the same job talk to each other (required by Glue)',
        ipProtocol: 'tcp',
        fromPort: 0,
        toPort: 65535,
        referencedSecurityGroupId: args.securityGroupId,
      },
      { parent: this },
    );

    // Scripts and the files they read beside them.
    const upload = (relative: string, prefix: string): pulumi.Output<string> => {
      const key = `${prefix}${path.basename(relative)}`;
      const object = new aws.s3.BucketObjectv2(
        `${name}-${path.basename(relative).replace(/[._]/g, '-')}`,
        {
          bucket: args.bucketName,
          key,
          source: new pulumi.asset.FileAsset(dataFile(relative)),
          serverSideEncryption: 'aws:kms',
          kmsKeyId: args.kmsKeyArn,
        },
        { parent: this },
      );
      return pulumi.interpolate`s3://${object.bucket}/${object.key}`;
    };
    const uploaded = new Map<string, pulumi.Output<string>>();
    const uploadOnce = (relative: string, prefix: string) => {
      let url = uploaded.get(relative);
      if (url === undefined) {
        url = upload(relative, prefix);
        uploaded.set(relative, url);
      }
      return url;
    };

    const catalog = new aws.glue.CatalogDatabase(
      `${name}-staging`,
      { name: names.catalogDatabase, description: 'Staged daily files, one table per import' },
      { parent: this },
    );
    if (args.manageDataCatalogEncryption ?? DEFAULTS.manageDataCatalogEncryption) {
      new aws.glue.DataCatalogEncryptionSettings(
        `${name}-catalog-encryption`,
        {
          dataCatalogEncryptionSettings: {
            encryptionAtRest: { catalogEncryptionMode: 'SSE-KMS', sseAwsKmsKeyId: args.kmsKeyArn },
            connectionPasswordEncryption: {
              returnConnectionPasswordEncrypted: true,
              awsKmsKeyId: args.kmsKeyArn,
            },
          },
        },
        { parent: this },
      );
    }
    const classifier = new aws.glue.Classifier(
      `${name}-csv`,
      {
        name: physicalName('glue', name, 'csv'),
        // The staged file's shape and the classifier settings that keep every column text
        // (glue/job-arguments.json "stagedFile"): on-upload writes the file so, the import job
        // refuses a column the catalog typed.
        csvClassifier: {
          ...csvClassifierOf(jobDeclarations().stagedFile.classifier),
          disableValueTrimming: false,
          allowSingleColumn: false,
        },
      },
      { parent: this },
    );
    const securityConfiguration = new aws.glue.SecurityConfiguration(
      `${name}-glue`,
      {
        name: names.securityConfiguration,
        encryptionConfiguration: {
          s3Encryption: { s3EncryptionMode: 'SSE-KMS', kmsKeyArn: args.kmsKeyArn },
          cloudwatchEncryption: { cloudwatchEncryptionMode: 'SSE-KMS', kmsKeyArn: args.kmsKeyArn },
          jobBookmarksEncryption: {
            jobBookmarksEncryptionMode: 'CSE-KMS',
            kmsKeyArn: args.kmsKeyArn,
          },
        },
      },
      { parent: this },
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-glue`,
      {
        name: names.logGroup,
        retentionInDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
      },
      { parent: this },
    );

    const firstSubnet = pulumi.output(args.subnetIds).apply((ids) => {
      const first = ids[0];
      if (first === undefined) throw new Error('Etl: subnetIds is empty');
      return first;
    });
    const subnet = aws.ec2.getSubnetOutput({ id: firstSubnet }, { parent: this });
    const physical = {
      availabilityZone: subnet.availabilityZone,
      subnetId: firstSubnet,
      securityGroupIdLists: [args.securityGroupId],
    };
    const databaseConnection = new aws.glue.Connection(
      `${name}-aurora`,
      {
        name: names.databaseConnection,
        connectionType: 'JDBC',
        connectionProperties: {
          JDBC_CONNECTION_URL: pulumi.interpolate`jdbc:postgresql://${args.databaseEndpoint}:${DATABASE_PORT}/${args.databaseName}`,
          SECRET_ID: args.databaseSecretArn,
          JDBC_ENFORCE_SSL: 'true',
        },
        physicalConnectionRequirements: physical,
      },
      { parent: this },
    );
    const redshiftConnection =
      args.analytics === undefined
        ? undefined
        : new aws.glue.Connection(
            `${name}-redshift`,
            {
              name: names.redshiftConnection,
              connectionType: 'JDBC',
              connectionProperties: {
                JDBC_CONNECTION_URL: pulumi.interpolate`jdbc:redshift://${args.analytics.endpoint}:${args.analytics.port}/${args.analytics.databaseName}`,
                SECRET_ID: args.analytics.secretArn,
                JDBC_ENFORCE_SSL: 'true',
              },
              physicalConnectionRequirements: physical,
            },
            { parent: this },
          );

    // The role of the crawler and the jobs.
    const role = new aws.iam.Role(
      `${name}-glue`,
      { assumeRolePolicy: serviceTrust('glue.amazonaws.com') },
      { parent: this },
    );
    const secrets: pulumi.Input<string>[] = [args.databaseSecretArn];
    if (args.analytics !== undefined) secrets.push(args.analytics.secretArn);
    const connectionArns = [glueArn(`connection/${names.databaseConnection}`)];
    if (args.analytics !== undefined) {
      connectionArns.push(glueArn(`connection/${names.redshiftConnection}`));
    }
    const statements: Statement[] = [
      {
        Sid: 'ReadScriptsAndStagedFiles',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [
          pulumi.interpolate`${args.bucketArn}/${GLUE_SCRIPTS_PREFIX}*`,
          pulumi.interpolate`${args.bucketArn}/${GLUE_FILES_PREFIX}*`,
          pulumi.interpolate`${args.bucketArn}/${BUCKET_LAYOUT.staging}*`,
        ],
      },
      {
        Sid: 'ListStagedFilesAndTemp',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: args.bucketArn,
        Condition: {
          StringLike: { 's3:prefix': [`${BUCKET_LAYOUT.staging}*`, `${GLUE_TEMP_PREFIX}*`] },
        },
      },
      {
        Sid: 'TempDirectory',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: pulumi.interpolate`${args.bucketArn}/${GLUE_TEMP_PREFIX}*`,
      },
      {
        Sid: 'PlatformKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: args.kmsKeyArn,
      },
      {
        Sid: 'ConnectionSecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: secrets,
      },
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Action: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:AssociateKmsKey',
        ],
        Resource: [
          pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:/aws-glue/*`,
          pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:/aws-glue/*:*`,
        ],
      },
      {
        Sid: 'CatalogOfStagedFiles',
        Effect: 'Allow',
        Action: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
          'glue:CreatePartition',
          'glue:BatchCreatePartition',
          'glue:UpdatePartition',
        ],
        Resource: [
          glueArn('catalog'),
          glueArn(`database/${names.catalogDatabase}`),
          glueArn(`table/${names.catalogDatabase}/*`),
        ],
      },
      {
        Sid: 'Connections',
        Effect: 'Allow',
        Action: ['glue:GetConnection'],
        Resource: [glueArn('catalog'), ...connectionArns],
      },
      {
        Sid: 'WorkflowRunProperties',
        Effect: 'Allow',
        Action: ['glue:GetWorkflowRunProperties'],
        Resource: glueArn(`workflow/${names.workflow}`),
      },
      {
        // AWS requires `*` for these: they act on network interfaces that do not exist yet.
        Sid: 'VpcNetworkInterfaces',
        Effect: 'Allow',
        Action: [
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeVpcEndpoints',
          'ec2:DescribeRouteTables',
          'ec2:DescribeVpcAttribute',
          'ec2:CreateTags',
        ],
        Resource: '*',
      },
      {
        // PutMetricData has no resource; the condition keeps it to Glue's namespace.
        Sid: 'JobMetrics',
        Effect: 'Allow',
        Action: ['cloudwatch:PutMetricData'],
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
      },
    ];
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-glue`,
      { role: role.id, policy: policyDocument(statements) },
      { parent: this },
    );
    const glueOpts = { parent: this, dependsOn: [rolePolicy] };

    const crawler = new aws.glue.Crawler(
      `${name}-staging`,
      {
        name: names.crawler,
        role: role.arn,
        databaseName: catalog.name,
        classifiers: [classifier.name],
        securityConfiguration: securityConfiguration.name,
        s3Targets: [{ path: s3Url(BUCKET_LAYOUT.staging) }],
        // Each import stages its file in a folder of its own: only new folders are crawled, and
        // each folder (level 3: bucket, staging/, <import id>/) is a table of its own.
        recrawlPolicy: { recrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
        schemaChangePolicy: { updateBehavior: 'LOG', deleteBehavior: 'LOG' },
        configuration: JSON.stringify({
          Version: 1.0,
          Grouping: { TableLevelConfiguration: 3 },
        }),
      },
      glueOpts,
    );

    const jobArguments = (job: GlueJobDeclaration): Record<string, pulumi.Input<string>> => {
      const extraFiles = job.extraFiles.map((f) => uploadOnce(f, GLUE_FILES_PREFIX));
      const extraPyFiles = job.extraPyFiles.map((f) => uploadOnce(f, GLUE_FILES_PREFIX));
      return {
        '--job-language': 'python',
        '--enable-metrics': 'true',
        '--enable-continuous-cloudwatch-log': 'true',
        '--continuous-log-logGroup': logGroup.name,
        '--enable-job-insights': 'false',
        '--job-bookmark-option': 'job-bookmark-disable',
        '--TempDir': s3Url(GLUE_TEMP_PREFIX),
        '--extra-files': pulumi.all(extraFiles).apply((urls) => urls.join(',')),
        '--extra-py-files': pulumi.all(extraPyFiles).apply((urls) => urls.join(',')),
      };
    };
    const job = (
      resourceName: string,
      jobName: string,
      declaration: GlueJobDeclaration,
      description: string,
      connections: pulumi.Input<string>[],
      own: Record<string, pulumi.Input<string>>,
    ) =>
      new aws.glue.Job(
        resourceName,
        {
          name: jobName,
          description,
          roleArn: role.arn,
          glueVersion: declared.glueVersion,
          command: {
            name: 'glueetl',
            pythonVersion: '3',
            scriptLocation: uploadOnce(declaration.script, GLUE_SCRIPTS_PREFIX),
          },
          connections,
          securityConfiguration: securityConfiguration.name,
          workerType: GLUE_WORKER_TYPE,
          numberOfWorkers: GLUE_WORKERS,
          timeout: GLUE_JOB_TIMEOUT_MINUTES,
          maxRetries: 0,
          executionProperty: { maxConcurrentRuns: 1 },
          defaultArguments: { ...jobArguments(declaration), ...own },
        },
        glueOpts,
      );

    const importDeclaration = declared.jobs.import;
    const importJob = job(
      `${name}-import`,
      names.importJob,
      importDeclaration,
      'Staged daily file → transit table → reconciliation in PostgreSQL',
      [databaseConnection.name],
      {
        [glueArgumentName('import', 'catalogDatabase')]: catalog.name,
        [glueArgumentName('import', 'databaseConnection')]: databaseConnection.name,
        [glueArgumentName('import', 'jdbcBatchSize')]: String(GLUE_JDBC_BATCH_SIZE),
      },
    );
    const analyticsDeclaration = declared.jobs.analytics;
    const analyticsJob =
      redshiftConnection === undefined
        ? undefined
        : job(
            `${name}-analytics`,
            names.analyticsJob,
            analyticsDeclaration,
            'Dashboard aggregates (no direct identifiers) → Redshift',
            [databaseConnection.name, redshiftConnection.name],
            {
              [glueArgumentName('analytics', 'databaseConnection')]: databaseConnection.name,
              [glueArgumentName('analytics', 'redshiftConnection')]: redshiftConnection.name,
            },
          );

    const workflow = new aws.glue.Workflow(
      `${name}-import`,
      {
        name: names.workflow,
        description: 'One import: crawl the staged file, then load and reconcile it',
        maxConcurrentRuns: 1,
      },
      { parent: this },
    );
    // Started by on-upload (StartWorkflowRun runs the workflow's on-demand trigger).
    new aws.glue.Trigger(
      `${name}-start`,
      {
        name: physicalName('glue', name, 'start'),
        type: 'ON_DEMAND',
        workflowName: workflow.name,
        actions: [{ crawlerName: crawler.name }],
      },
      { parent: this },
    );
    new aws.glue.Trigger(
      `${name}-after-crawl`,
      {
        name: physicalName('glue', name, 'after-crawl'),
        type: 'CONDITIONAL',
        workflowName: workflow.name,
        predicate: {
          conditions: [
            { crawlerName: crawler.name, crawlState: 'SUCCEEDED', logicalOperator: 'EQUALS' },
          ],
        },
        actions: [{ jobName: importJob.name }],
      },
      { parent: this },
    );
    if (analyticsJob !== undefined) {
      new aws.glue.Trigger(
        `${name}-after-import`,
        {
          name: physicalName('glue', name, 'after-import'),
          type: 'CONDITIONAL',
          workflowName: workflow.name,
          predicate: {
            conditions: [
              { jobName: importJob.name, state: 'SUCCEEDED', logicalOperator: 'EQUALS' },
            ],
          },
          actions: [{ jobName: analyticsJob.name }],
        },
        { parent: this },
      );
      new aws.glue.Trigger(
        `${name}-analytics-nightly`,
        {
          name: physicalName('glue', name, 'analytics-nightly'),
          type: 'SCHEDULED',
          schedule: ANALYTICS_NIGHTLY_SCHEDULE,
          startOnCreation: true,
          actions: [{ jobName: analyticsJob.name }],
        },
        { parent: this },
      );
    }

    this.workflowName = workflow.name;
    this.workflowArn = workflow.arn;
    this.importJobName = importJob.name;
    this.analyticsJobName = analyticsJob?.name ?? pulumi.output<string | undefined>(undefined);
    this.crawlerName = crawler.name;
    this.catalogDatabaseName = catalog.name;
    this.registerOutputs({
      workflowName: this.workflowName,
      importJobName: this.importJobName,
      analyticsJobName: this.analyticsJobName,
      crawlerName: this.crawlerName,
    });
  }
}
