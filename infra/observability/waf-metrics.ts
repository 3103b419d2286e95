/**
 * AWS/WAFV2 metrics of a regional web ACL. WAF labels them with the web ACL's name (`WebACL`),
 * the Region, and `Rule`, whose value `ALL` totals every rule of the ACL.
 */
import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { countPeriod } from './handler-metrics.ts';

export function wafMetric(
  scope: IConstruct,
  webAclName: string,
  metricName: 'AllowedRequests' | 'BlockedRequests',
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/WAFV2',
    metricName,
    dimensionsMap: { WebACL: webAclName, Rule: 'ALL', Region: Stack.of(scope).region },
    statistic: cloudwatch.Stats.SUM,
    period: countPeriod,
  });
}
