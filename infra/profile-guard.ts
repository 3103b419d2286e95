/**
 * The compliance profile guard: a custom resource whose properties are the deployment's
 * compliance profiles, answered by a small function (functions/profile-guard/, prebuilt as
 * dist/lambda/profile-guard). CloudFormation calls it whenever a deploy changes those
 * properties, whoever deploys and however, and it fails an update that would drop a profile the
 * stack follows unless `allowProfileDowngrade` is set (docs/compliance.md, "Compliance
 * profiles").
 *
 * Every other resource of the construct waits for it, so that a refused downgrade fails before
 * anything is changed: no function leaves its VPC or logs with a lower retention floor, even for
 * the minutes a rollback would take. IAM and KMS resources are the exception: the guard's log
 * group is under the audit key, whose policy names the functions' roles, so waiting for the guard
 * would make them wait for themselves. A profile only adds grants there, so a refused update
 * can at most take some away until the rollback restores them.
 */
import { Aspects, Aws, CfnResource, CustomResource, Duration, type IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import type { ComplianceProfileName } from '../compliance/profiles.ts';
import {
  profileGuardProperties,
  profileGuardResourceType,
  profileGuardTimeoutSeconds,
} from '../functions/profile-guard/resource.ts';
import { lambdaBundleDirectory } from './lambda-bundle.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';

/** Resource types that never wait for the guard (see above). */
const unorderedTypePrefixes = ['AWS::IAM::', 'AWS::KMS::'];

export interface ProfileGuardProps {
  /** The deployment's compliance profiles. */
  readonly profiles: readonly ComplianceProfileName[];
  /** Lets this deploy drop profiles the stack follows. */
  readonly allowDowngrade: boolean;
  readonly logs: LogGroupSettings;
  /**
   * The output naming the profiles of this instance, where it is not the unnamed instance's.
   * @default - `ComplianceProfiles`
   */
  readonly outputKey?: string;
}

export class ProfileGuard extends Construct {
  /** `Custom::ComplianceProfileGuard`, with the profiles and the downgrade flag. */
  readonly resource: CustomResource;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  /** cloudformation:DescribeStacks on this stack, and its own log streams: nothing else. */
  readonly policy: iam.ManagedPolicy;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProfileGuardProps) {
    super(scope, id);
    this.logGroup = encryptedLogGroup(this, 'LogGroup', props.logs);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "The compliance profile guard: read this stack's status and outputs",
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: "The compliance profile guard: this stack's status and outputs, its own logs",
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          // Whether CloudFormation is rolling back, and the profiles a stack from before the
          // guard recorded in its output.
          sid: 'ReadThisStack',
          actions: ['cloudformation:DescribeStacks'],
          resources: [Aws.STACK_ID],
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
    this.function = new lambda.Function(this, 'Function', {
      description: 'Fails a deploy that would drop a compliance profile the stack follows',
      code: lambda.Code.fromAsset(
        lambdaBundleDirectory('profile-guard', 'the compliance profile guard'),
      ),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Up to five reads of the stack a few seconds apart, then the answer.
      timeout: Duration.minutes(1),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // One stack operation at a time calls it.
      reservedConcurrentExecutions: 1,
    });
    // It must not run before it may read the stack.
    this.function.node.addDependency(this.policy);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: profileGuardResourceType,
      properties: {
        // Sorted: reordering the same profiles is no change to guard.
        [profileGuardProperties.profiles]: [...new Set(props.profiles)].sort(),
        [profileGuardProperties.allowDowngrade]: String(props.allowDowngrade),
        // Only a named instance's differs: the unnamed one's template stays as it was.
        ...(props.outputKey === undefined
          ? {}
          : { [profileGuardProperties.outputKey]: props.outputKey }),
      },
      serviceTimeout: Duration.seconds(profileGuardTimeoutSeconds),
    });
    Aspects.of(scope).add(new AfterTheGuard(this));
  }
}

/** Makes every resource under the aspect's scope, but the guard's own, IAM and KMS, wait for it. */
class AfterTheGuard implements IAspect {
  readonly #guard: ProfileGuard;
  readonly #resource: CfnResource;

  constructor(guard: ProfileGuard) {
    this.#guard = guard;
    this.#resource = guard.resource.node.defaultChild as CfnResource;
  }

  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    if (node.node.scopes.includes(this.#guard)) return;
    if (unorderedTypePrefixes.some((prefix) => node.cfnResourceType.startsWith(prefix))) return;
    node.addResourceDependency(this.#resource, 'the compliance profile guard runs first');
  }
}
