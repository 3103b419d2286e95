/**
 * An optional custom domain in front of the API (issue 18, point 1): providers are given
 * `https://<domain>/v1/webhooks/{providerId}`, which stays the same when the stack is torn down
 * and deployed again, moves to another region or to the other API Gateway front. A REGIONAL API
 * Gateway domain name with the API's own TLS 1.2 policy, mapped at its root to the REST API's
 * stage (front `rest`) or the HTTP API's `$default` stage (front `http`); the certificate made
 * from a Route 53 hosted zone when none is given, and an A and an AAAA alias record in that zone.
 * The front turns its default execute-api endpoint off (infra/api.ts, infra/http-api.ts), so the
 * domain is the API's one address; the REST stage's web ACL (infra/waf.ts) serves it too.
 *
 * A Lambda function URL (front `url`) has no custom domain without CloudFront, so it is refused.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { type IngestApi, minimumTlsPolicy } from './api.ts';
import type { IngestFunctionUrl } from './function-url.ts';
import type { IngestHttpApi } from './http-api.ts';

/**
 * A custom domain for the webhook URL: `https://<domainName>/v1/webhooks/{providerId}`. Give
 * `certificate`, `hostedZone`, or both.
 * @example { domainName: 'hooks.example.com', hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com' }) }
 */
export interface CustomDomainOptions {
  /**
   * The domain providers send to: a lower-case DNS name such as `hooks.example.com`, without
   * a trailing dot or a wildcard.
   */
  readonly domainName: string;
  /**
   * An ACM certificate for `domainName`, in the stack's own region (a REGIONAL API Gateway
   * domain takes no other). Without `hostedZone`, point a CNAME record of `domainName` at the
   * `CustomDomainTarget` output yourself.
   * @default - one the construct requests from ACM, validated by DNS in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * The Route 53 public hosted zone `domainName` lies in: the construct validates the
   * certificate it requests there (when no `certificate` is given) and adds an A and an AAAA
   * alias record of `domainName` pointing at the API Gateway domain.
   * @default - no zone: `certificate` is required, and the DNS record is yours to add
   */
  readonly hostedZone?: route53.IHostedZone;
}

/** `customDomain` cannot be deployed as given. */
export class CustomDomainError extends Error {
  override readonly name = 'CustomDomainError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid webhook-ingestion customDomain:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

/** The fronts as the custom domain reads them, told apart by `kind` (infra/front.ts). */
export type CustomDomainFront = IngestApi | IngestHttpApi | IngestFunctionUrl;

/** One DNS label: letters, digits and inner hyphens, 63 at most; in lower case. */
const dnsLabel = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** At least two labels, as a public domain with its own certificate has. */
const dnsNamePattern = new RegExp(`^(?:${dnsLabel}\\.)+${dnsLabel}$`);
/** The longest DNS name, without its trailing dot. */
const maxDnsNameLength = 253;

/** Whether `name` is a lower-case DNS name of two labels or more, not an IPv4 address. */
export function isDnsName(name: string): boolean {
  return name.length <= maxDnsNameLength && dnsNamePattern.test(name) && !/\.[0-9]+$/.test(name);
}

/** A zone's name as Route 53 may write it (trailing dot, any case), as a DNS name. */
const canonicalZoneName = (zoneName: string) => zoneName.replace(/\.$/, '').toLowerCase();

/** The region of an ACM certificate ARN, or undefined when it is no literal ACM ARN. */
function certificateRegion(arn: string): string | undefined {
  if (Token.isUnresolved(arn)) return undefined;
  return /^arn:[^:]+:acm:([^:]+):/.exec(arn)?.[1];
}

/**
 * What keeps `options` from being deployed on `front` in `region` (a token when the stack is
 * environment-agnostic), each problem naming the value: empty when none does. A value that is
 * a token (a zone's name from a lookup not yet made) is not checked.
 */
export function customDomainProblems(
  options: CustomDomainOptions,
  front: CustomDomainFront['kind'],
  region: string,
): string[] {
  const problems: string[] = [];
  const { domainName, certificate, hostedZone } = options;
  if (front === 'url') {
    problems.push(
      "front 'url' cannot carry a custom domain: a Lambda function URL has none without CloudFront; choose front 'rest' or 'http'",
    );
  }
  const literalDomain = !Token.isUnresolved(domainName);
  if (literalDomain && !isDnsName(domainName)) {
    problems.push(
      `customDomain.domainName must be a lower-case DNS name of two labels or more (letters, digits, hyphens), such as hooks.example.com, without a trailing dot or a wildcard; got ${JSON.stringify(domainName)}`,
    );
  }
  if (certificate === undefined && hostedZone === undefined) {
    problems.push(
      `customDomain ${JSON.stringify(domainName)} needs a certificate (an ACM certificate for it, in the stack's region) or a hostedZone (a Route 53 zone the construct requests the certificate in and adds the records to)`,
    );
  }
  if (hostedZone !== undefined && literalDomain && !Token.isUnresolved(hostedZone.zoneName)) {
    const zone = canonicalZoneName(hostedZone.zoneName);
    if (domainName !== zone && !domainName.endsWith(`.${zone}`)) {
      problems.push(
        `customDomain.domainName ${JSON.stringify(domainName)} is not within the hosted zone ${JSON.stringify(zone)}: give the zone the domain is a name of`,
      );
    }
  }
  const certificateIn =
    certificate === undefined ? undefined : certificateRegion(certificate.certificateArn);
  if (certificateIn !== undefined && !Token.isUnresolved(region) && certificateIn !== region) {
    problems.push(
      `customDomain.certificate is in ${certificateIn}, and the stack deploys to ${region}: a REGIONAL API Gateway domain takes a certificate of its own region only`,
    );
  }
  return problems;
}

export interface IngestCustomDomainProps extends CustomDomainOptions {
  /** The front the domain serves: `rest` or `http` (`url` is refused). */
  readonly front: CustomDomainFront;
}

/**
 * The custom domain of the API: its certificate, the API Gateway domain name, its mapping to the
 * stage at the root, and, with a hosted zone, the A and AAAA alias records.
 */
export class IngestCustomDomain extends Construct {
  /** The domain providers send to. */
  readonly domainName: string;
  readonly certificate: acm.ICertificate;
  /** The API Gateway domain name (`AWS::ApiGateway::DomainName` or its V2 counterpart). */
  readonly apiDomain: apigateway.DomainName | apigwv2.DomainName;
  /** The domain's root mapped to the stage: a base path mapping, or an HTTP API's API mapping. */
  readonly mapping: apigateway.BasePathMapping | apigwv2.ApiMapping;
  /**
   * The API Gateway domain's regional name (`d-….execute-api.<region>.amazonaws.com`): what a
   * CNAME record of `domainName` points at when the construct was given no hosted zone.
   */
  readonly target: string;
  /** The A and AAAA alias records, when a hosted zone was given. */
  readonly records: readonly route53.RecordSet[];

  constructor(scope: Construct, id: string, props: IngestCustomDomainProps) {
    super(scope, id);
    const { domainName, hostedZone, front } = props;
    const problems = customDomainProblems(props, front.kind, Stack.of(scope).region);
    // Front 'url' is always among the problems.
    if (problems.length > 0 || front.kind === 'url') throw new CustomDomainError(problems);
    this.domainName = domainName;
    this.certificate =
      props.certificate ??
      new acm.Certificate(this, 'Certificate', {
        domainName,
        // Checked above: a zone is given when no certificate is.
        validation: acm.CertificateValidation.fromDns(hostedZone),
      });

    // REGIONAL, as the API is, with the API's security policy (infra/api.ts: TLS 1.2 and 1.3
    // only; an HTTP API's endpoint has the same). Dual-stack, so that the AAAA record answers
    // over IPv6 as the A record does over IPv4. The mapping has no base path: the domain's root
    // is the stage's, and the URL has no stage segment.
    let alias: route53.IAliasRecordTarget;
    if (front.kind === 'rest') {
      const domain = new apigateway.DomainName(this, 'Domain', {
        domainName,
        certificate: this.certificate,
        endpointType: apigateway.EndpointType.REGIONAL,
        securityPolicy: apigateway.SecurityPolicy[minimumTlsPolicy],
      });
      const cfnDomain = domain.node.defaultChild as apigateway.CfnDomainName;
      cfnDomain.endpointConfiguration = {
        types: [apigateway.EndpointType.REGIONAL],
        ipAddressType: apigateway.IpAddressType.DUAL_STACK,
      };
      // A web ACL is associated with the stage (infra/waf.ts), and a mapped domain's requests
      // are served by that stage: the WAF sees every request to the domain too.
      this.mapping = new apigateway.BasePathMapping(this, 'Mapping', {
        domainName: domain,
        restApi: front.api,
        stage: front.api.deploymentStage,
      });
      this.apiDomain = domain;
      this.target = domain.domainNameAliasDomainName;
      alias = new targets.ApiGatewayDomain(domain);
    } else {
      const domain = new apigwv2.DomainName(this, 'Domain', {
        domainName,
        certificate: this.certificate,
        endpointType: apigwv2.EndpointType.REGIONAL,
        securityPolicy: apigwv2.SecurityPolicy[minimumTlsPolicy],
        ipAddressType: apigwv2.IpAddressType.DUAL_STACK,
      });
      this.mapping = new apigwv2.ApiMapping(this, 'Mapping', {
        api: front.api,
        domainName: domain,
        stage: front.stage,
      });
      this.apiDomain = domain;
      this.target = domain.regionalDomainName;
      alias = new targets.ApiGatewayv2DomainProperties(
        domain.regionalDomainName,
        domain.regionalHostedZoneId,
      );
    }

    this.records =
      hostedZone === undefined
        ? []
        : [
            new route53.ARecord(this, 'AliasRecord', {
              zone: hostedZone,
              recordName: domainName,
              target: route53.RecordTarget.fromAlias(alias),
            }),
            new route53.AaaaRecord(this, 'AliasRecordIpv6', {
              zone: hostedZone,
              recordName: domainName,
              target: route53.RecordTarget.fromAlias(alias),
            }),
          ];
  }
}
