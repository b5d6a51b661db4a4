import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag finding for a wildcard under one resource's ARN, e.g. a table's `/index/*`:
 * `Resource::<TableLogicalId.Arn>/index/*`. Acknowledging the exact finding keeps every other
 * wildcard on the same policy reported.
 */
export function arnWildcardFinding(resource: IConstruct, suffix: string): string {
  const cfn = resource instanceof CfnResource ? resource : resource.node.defaultChild;
  if (!(cfn instanceof CfnResource)) throw new Error(`${resource.node.path} has no CloudFormation resource`);
  return `Resource::<${Stack.of(cfn).getLogicalId(cfn)}.Arn>${suffix}`;
}

/** Acknowledges one AwsSolutions finding on `scope` with the reason a reviewer reads. */
export function acknowledge(scope: IConstruct, rule: string, reason: string, finding?: string): void {
  Validations.of(scope).acknowledge({ id: finding ? `AwsSolutions-${rule}[${finding}]` : `AwsSolutions-${rule}`, reason });
}
