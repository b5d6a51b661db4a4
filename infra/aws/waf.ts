import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface AbuseLimitsProps {
  /** The API's name (the definition's `name`): in descriptions and metric names. */
  appName: string;
  /** ARNs of the AppSync API and the user pool (regional resources). */
  protectedArns: Record<string, string>;
  /** Requests per IP in any 5-minute window before that IP is blocked (default 2000). */
  ratePerIp?: number;
}

/** AWS managed rule groups: common exploits, known bad inputs, IPs with a bad reputation. */
const MANAGED_RULES = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList'];

/**
 * One regional web ACL in front of the AppSync API and the Cognito user pool: a rate-based rule
 * per client IP, then AWS's managed rule groups; everything else is allowed. Each rule has its
 * own CloudWatch metric (dashboard: WAF).
 */
export class AbuseLimits extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: AbuseLimitsProps) {
    super(scope, id);
    const visibility = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${props.appName}-${name}` });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('web-acl'),
      rules: [
        {
          name: 'rate-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.ratePerIp ?? 2000, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('rate-per-ip'),
        },
        ...MANAGED_RULES.map((name, i) => ({
          name,
          priority: i + 1,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: visibility(name),
        })),
      ],
    });
    for (const [key, arn] of Object.entries(props.protectedArns)) {
      new CfnWebACLAssociation(this, `Association_${key}`, { resourceArn: arn, webAclArn: this.webAcl.attrArn });
    }
  }
}
