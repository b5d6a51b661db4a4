import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface LambdaHandlerProps {
  /** The handler module (exports `handler`), absolute path. */
  entry: string;
  environment: Record<string, string>;
  description?: string;
}

/**
 * A Lambda data source's function, bundled by the local esbuild (no Docker), with its own role
 * that may only write its own log group; callers add exactly the grants the declaration names.
 */
export class LambdaHandler extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  /** The function's timeout (the duration alarm compares p99 against it). */
  readonly timeout = Duration.seconds(10);

  constructor(scope: Construct, id: string, props: LambdaHandlerProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS });
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    const lockFile = findLockFile(dirname(props.entry));
    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      role: this.role,
      logGroup,
      // Tracing is set on the L1 below so that the X-Ray statement goes into a policy of its own.
      memorySize: 512,
      timeout: this.timeout,
      // Handlers write one JSON object per line (resolvers/handlers/shared/log.ts); the platform's own lines are JSON too.
      loggingFormat: LoggingFormat.JSON,
      environment: { ...props.environment, LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps' },
      depsLockFilePath: lockFile,
      projectRoot: lockFile ? dirname(lockFile) : undefined,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        sourceMap: true,
        // The AWS SDK is bundled: the pinned, tested version (package-lock.json), not whatever the runtime carries.
        externalModules: [],
        // Lets CommonJS dependencies `require` inside the ES module bundle.
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    (this.fn.node.defaultChild as CfnFunction).tracingConfig = { mode: 'Active' };
    const xray = new Policy(this, 'XRayPolicy', {
      roles: [this.role],
      statements: [new PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
    });
    // Acknowledged on this policy alone: a wildcard anywhere else on the role is still reported.
    Validations.of(xray).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active X-Ray tracing: xray:PutTraceSegments and PutTelemetryRecords accept no resource ARN.',
    });
  }
}

function findLockFile(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const lock = join(dir, 'package-lock.json');
    if (existsSync(lock)) return lock;
    if (dirname(dir) === dir) return undefined;
  }
}
