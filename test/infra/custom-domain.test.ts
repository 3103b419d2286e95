/**
 * A custom domain for the webhook URL (issue 18, point 1): the domain, its certificate (made
 * from the hosted zone, or the one given), the mapping at the domain's root, the A and AAAA
 * records, the execute-api endpoint turned off and the URL in the outputs, on the `rest` and
 * `http` fronts, cdk-nag and cfn-lint clean in every profile. Front `url`, and a domain with
 * neither a certificate nor a zone, are refused; without a domain nothing changes.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { describe, expect, it } from 'vitest';
import { apiMinimumTls12 } from '../../compliance/checks/api-minimum-tls-1-2.ts';
import {
  type ComplianceProfileName,
  combineProfiles,
  complianceProfileNames,
} from '../../compliance/profiles.ts';
import { resourcesOfType } from '../../compliance/report/template.ts';
import { AppContextError, contextKeys, readAppContext } from '../../infra/context.ts';
import {
  CustomDomainError,
  type CustomDomainOptions,
  customDomainProblems,
} from '../../infra/custom-domain.ts';
import type { IngestFrontName } from '../../infra/front.ts';
import { operatorOutputKeys, optionalOutputKeys } from '../../infra/output-names.ts';
import { resolveSettings } from '../../infra/settings.ts';
import { WebhookIngestion } from '../../infra/webhook-ingestion.ts';
import type { WebhookIngestionProps } from '../../infra/webhook-ingestion-props.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';
import { type Deployment, deployment, nagFindings } from './deployment.ts';

const synthTimeoutMs = 240_000;
const domainName = 'hooks.example.com';
const hostedZoneId = 'Z0123456789ABCDEFGHIJ';
const zoneName = 'example.com';
const certificateArn =
  'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

const withZone = {
  [contextKeys.customDomain]: domainName,
  [contextKeys.customDomainHostedZoneId]: hostedZoneId,
  [contextKeys.customDomainHostedZoneName]: zoneName,
};
const withCertificate = {
  [contextKeys.customDomain]: domainName,
  [contextKeys.customDomainCertificateArn]: certificateArn,
};

/** The type of the API Gateway resources of each front that carries a domain. */
const resourceTypes = {
  rest: {
    api: 'AWS::ApiGateway::RestApi',
    domain: 'AWS::ApiGateway::DomainName',
    mapping: 'AWS::ApiGateway::BasePathMapping',
  },
  http: {
    api: 'AWS::ApiGatewayV2::Api',
    domain: 'AWS::ApiGatewayV2::DomainName',
    mapping: 'AWS::ApiGatewayV2::ApiMapping',
  },
} as const;

type DomainFront = keyof typeof resourceTypes;

/** The front the settings choose for `profiles` and the given `front`. */
function frontOf(profiles: readonly ComplianceProfileName[], front?: IngestFrontName): DomainFront {
  const chosen = resolveSettings({
    complianceProfiles: profiles,
    alarmEmail: 'alarms@example.com',
    ...(front === undefined ? {} : { front }),
  }).front;
  if (chosen === 'url') throw new Error('no custom domain on a function URL');
  return chosen;
}

/** The one resource of `type` in the deployment. */
function only(d: Deployment, type: string) {
  const found = resourcesOfType(d.cloudFormation, type);
  expect(found).toHaveLength(1);
  return found[0] as (typeof found)[number];
}

/** The domain, mapping, records, disabled endpoint and outputs of a deployment with a domain. */
function expectCustomDomain(d: Deployment, front: DomainFront, source: 'zone' | 'certificate') {
  const types = resourceTypes[front];
  const domain = only(d, types.domain);
  const certificate =
    source === 'certificate'
      ? certificateArn
      : { Ref: only(d, 'AWS::CertificateManager::Certificate').id };
  if (front === 'rest') {
    d.template.hasResourceProperties(types.domain, {
      DomainName: domainName,
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'], IpAddressType: 'dualstack' },
      RegionalCertificateArn: certificate,
    });
  } else {
    d.template.hasResourceProperties(types.domain, {
      DomainName: domainName,
      DomainNameConfigurations: [
        {
          EndpointType: 'REGIONAL',
          SecurityPolicy: 'TLS_1_2',
          IpAddressType: 'dualstack',
          CertificateArn: certificate,
        },
      ],
    });
  }

  // Mapped at the root (no base path), to the stage the API serves.
  const mapping = only(d, types.mapping);
  const properties = mapping.resource.Properties ?? {};
  expect(properties.DomainName).toEqual({ Ref: domain.id });
  expect(properties.BasePath ?? properties.ApiMappingKey).toBeUndefined();
  const api = only(d, types.api);
  if (front === 'rest') {
    expect(properties.RestApiId).toEqual({ Ref: api.id });
    expect(properties.Stage).toEqual({ Ref: only(d, 'AWS::ApiGateway::Stage').id });
  } else {
    // The V2 mapping names the stage, and waits for it.
    expect(properties.ApiId).toEqual({ Ref: api.id });
    expect(properties.Stage).toBe('$default');
    const stage = only(d, 'AWS::ApiGatewayV2::Stage').id;
    d.template.hasResource(types.mapping, { DependsOn: Match.arrayWith([stage]) });
  }

  // Nothing answers at the execute-api URL: the domain is the API's one address.
  d.template.hasResourceProperties(types.api, { DisableExecuteApiEndpoint: true });
  const requirements = combineProfiles(['baseline']);
  expect(apiMinimumTls12.evaluate({ template: d.cloudFormation, requirements }).verdict).toEqual({
    kind: 'compliant',
  });

  if (source === 'zone') {
    d.template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: domainName,
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: domainName, HostedZoneId: hostedZoneId }],
    });
    for (const Type of ['A', 'AAAA']) {
      d.template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${domainName}.`,
        Type,
        HostedZoneId: hostedZoneId,
        AliasTarget: {
          DNSName: Match.anyValue(),
          HostedZoneId: { 'Fn::GetAtt': [domain.id, 'RegionalHostedZoneId'] },
        },
      });
    }
    d.template.resourceCountIs('AWS::Route53::RecordSet', 2);
  } else {
    d.template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    d.template.resourceCountIs('AWS::Route53::RecordSet', 0);
  }

  const outputs = d.cloudFormation.Outputs ?? {};
  expect(outputs[operatorOutputKeys.webhookUrlTemplate]?.Value).toBe(
    `https://${domainName}/v1/webhooks/{providerId}`,
  );
  expect(outputs[operatorOutputKeys.apiUrl]?.Value).toBe(`https://${domainName}/`);
  expect(outputs[optionalOutputKeys.customDomainTarget]?.Value).toEqual({
    'Fn::GetAtt': [domain.id, 'RegionalDomainName'],
  });
}

describe.each(complianceProfileNames)(
  'a %s deployment with a custom domain in a hosted zone',
  (profile) => {
    const front = frontOf([profile]);

    it(
      `has the domain, its DNS-validated certificate, the root mapping and the alias records on front '${front}', with the execute-api endpoint off`,
      () => {
        expectCustomDomain(deployment({ profiles: profile, ...withZone }), front, 'zone');
      },
      synthTimeoutMs,
    );

    it('passes every cdk-nag pack with no unacknowledged finding', () => {
      expect(nagFindings(deployment({ profiles: profile, ...withZone }).app)).toEqual([]);
    });
  },
);

/** Each front with a certificate and no hosted zone, and the profile it is tried in. */
const certificateFronts = [
  ['rest', 'baseline'],
  ['http', 'hipaa'],
] as const;
const certificateContext = (front: string, profile: string) => ({
  profiles: profile,
  front,
  ...withCertificate,
});

describe.each(certificateFronts)(
  'front %s with a certificate and no hosted zone (%s)',
  (front, profile) => {
    const context = certificateContext(front, profile);

    it(
      'uses the certificate, adds no record, and outputs the target for a CNAME',
      () => {
        expectCustomDomain(deployment(context), front, 'certificate');
      },
      synthTimeoutMs,
    );

    it('passes every cdk-nag pack with no unacknowledged finding', () => {
      expect(nagFindings(deployment(context).app)).toEqual([]);
    });
  },
);

describe('the templates with a custom domain', () => {
  it.runIf(hasCfnLint)(
    "pass cfn-lint: in a hosted zone on front 'rest' with its WAF (pci-dss, hipaa), and with a certificate on each front",
    () => {
      const templates = {
        'custom-domain-zone': deployment({ profiles: 'pci-dss,hipaa', ...withZone }).template,
        ...Object.fromEntries(
          certificateFronts.map(([front, profile]) => [
            `custom-domain-${front}`,
            deployment(certificateContext(front, profile)).template,
          ]),
        ),
      };
      const { status, output } = cfnLint(templates);
      expect(output).toContain(cleanRun(Object.keys(templates).length));
      expect(status).toBe(0);
    },
    synthTimeoutMs,
  );
});

describe.each([
  ['rest', 'baseline'],
  ['http', 'baseline'],
] as const)('front %s without a custom domain', (front, profile) => {
  it(
    'keeps the execute-api endpoint, its URL, and no domain, certificate, record or target',
    () => {
      const d = deployment({ profiles: profile, front });
      const types = resourceTypes[front];
      for (const { resource } of resourcesOfType(d.cloudFormation, types.api)) {
        expect(resource.Properties?.DisableExecuteApiEndpoint ?? false).toBe(false);
      }
      for (const type of [
        types.domain,
        types.mapping,
        'AWS::CertificateManager::Certificate',
        'AWS::Route53::RecordSet',
      ]) {
        d.template.resourceCountIs(type, 0);
      }
      const outputs = d.cloudFormation.Outputs ?? {};
      expect(outputs[optionalOutputKeys.customDomainTarget]).toBeUndefined();
      expect(JSON.stringify(outputs[operatorOutputKeys.webhookUrlTemplate])).toContain(
        'execute-api',
      );
    },
    synthTimeoutMs,
  );
});

describe("front 'rest' with a custom domain, over one without", () => {
  it(
    'is a new deployment of the stage, which API Gateway applies the disabled endpoint with',
    () => {
      const deploymentId = (d: Deployment) => only(d, 'AWS::ApiGateway::Deployment').id;
      const plain = deployment({ profiles: 'baseline', front: 'rest' });
      const withDomain = deployment({ profiles: 'baseline', front: 'rest', ...withCertificate });
      expect(deploymentId(withDomain)).not.toBe(deploymentId(plain));
      expect(only(withDomain, 'AWS::ApiGateway::Stage').resource.Properties?.DeploymentId).toEqual({
        Ref: deploymentId(withDomain),
      });
    },
    synthTimeoutMs,
  );
});

describe('the construct refuses', () => {
  const stackIn = (region?: string) =>
    new Stack(new App(), 'custom-domain', region === undefined ? {} : { env: { region } });
  const certificateIn = (stack: Stack) =>
    acm.Certificate.fromCertificateArn(stack, 'Certificate', certificateArn);
  const zoneIn = (stack: Stack, name = zoneName) =>
    route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId, zoneName: name });
  const problemsOf = (options: (stack: Stack) => CustomDomainOptions, region?: string) => {
    const stack = stackIn(region);
    return customDomainProblems(options(stack), 'rest', stack.region);
  };

  /** What building the construct in a stack of its own with `customDomain` throws. */
  const refusal = (
    props: Omit<WebhookIngestionProps, 'customDomain'>,
    customDomain: (stack: Stack) => CustomDomainOptions,
  ) => {
    const stack = stackIn();
    try {
      new WebhookIngestion(stack, 'WebhookIngestion', {
        ...props,
        customDomain: customDomain(stack),
      });
    } catch (error) {
      return error;
    }
    throw new Error('expected the construct to refuse the custom domain');
  };

  it(
    "front 'url' with a domain, telling to choose front 'rest' or 'http'",
    () => {
      const error = refusal({ front: 'url' }, (stack) => ({
        domainName,
        certificate: certificateIn(stack),
      }));
      expect(error).toBeInstanceOf(CustomDomainError);
      expect((error as CustomDomainError).problems).toEqual([
        "front 'url' cannot carry a custom domain: a Lambda function URL has none without CloudFront; choose front 'rest' or 'http'",
      ]);
    },
    synthTimeoutMs,
  );

  it('a domain with neither a certificate nor a hosted zone', () => {
    const error = refusal({}, () => ({ domainName }));
    expect(error).toBeInstanceOf(CustomDomainError);
    expect((error as CustomDomainError).message).toMatch(
      /^invalid webhook-ingestion customDomain:\n- customDomain "hooks\.example\.com" needs a certificate \(.*\) or a hostedZone \(.*\)$/,
    );
  });

  it('a name that is no lower-case DNS name', () => {
    for (const name of ['Hooks.Example.com', 'hooks', 'hooks.example.com.', '*.example.com']) {
      expect(
        problemsOf((stack) => ({ domainName: name, certificate: certificateIn(stack) })),
      ).toEqual([expect.stringContaining('must be a lower-case DNS name')]);
    }
  });

  it('a domain outside the hosted zone, and accepts the apex and names within', () => {
    expect(
      problemsOf((stack) => ({ domainName, hostedZone: zoneIn(stack, 'example.org') })),
    ).toEqual([expect.stringContaining('is not within the hosted zone "example.org"')]);
    expect(
      problemsOf((stack) => ({ domainName: 'notexample.com', hostedZone: zoneIn(stack) })),
    ).toHaveLength(1);
    expect(
      problemsOf((stack) => ({ domainName, hostedZone: zoneIn(stack, 'Example.com.') })),
    ).toEqual([]);
    expect(problemsOf((stack) => ({ domainName: zoneName, hostedZone: zoneIn(stack) }))).toEqual(
      [],
    );
  });

  it("a certificate of another region than the stack's, when both are known", () => {
    expect(
      problemsOf((stack) => ({ domainName, certificate: certificateIn(stack) }), 'us-east-1'),
    ).toEqual([expect.stringContaining('is in eu-west-1, and the stack deploys to us-east-1')]);
    expect(
      problemsOf((stack) => ({ domainName, certificate: certificateIn(stack) }), 'eu-west-1'),
    ).toEqual([]);
  });
});

describe('the app context', () => {
  const lookup = (context: Record<string, unknown>) => (key: string) => context[key];
  const problemsOf = (context: Record<string, unknown>) => {
    try {
      readAppContext(lookup(context));
    } catch (error) {
      if (error instanceof AppContextError) return error.problems;
      throw error;
    }
    throw new Error('expected AppContextError');
  };

  it('reads the domain with its certificate, its hosted zone, or both', () => {
    expect(readAppContext(lookup(withCertificate)).customDomain).toEqual({
      domainName,
      certificateArn,
    });
    expect(
      readAppContext(lookup({ ...withZone, customDomainHostedZoneName: 'example.com.' })),
    ).toMatchObject({ customDomain: { domainName, hostedZone: { hostedZoneId, zoneName } } });
    expect(readAppContext(lookup({ ...withZone, ...withCertificate })).customDomain).toEqual({
      domainName,
      certificateArn,
      hostedZone: { hostedZoneId, zoneName },
    });
    expect(readAppContext(lookup({})).customDomain).toBeUndefined();
  });

  it('refuses a domain with neither, a zone half given, keys without a domain, bad values', () => {
    expect(problemsOf({ customDomain: domainName })).toEqual([
      expect.stringContaining('customDomain: give customDomainCertificateArn'),
    ]);
    expect(problemsOf({ ...withCertificate, customDomainHostedZoneId: hostedZoneId })).toEqual([
      expect.stringContaining(
        'customDomainHostedZoneId and customDomainHostedZoneName go together',
      ),
    ]);
    expect(problemsOf({ customDomainCertificateArn: certificateArn })).toEqual([
      'customDomainCertificateArn: give the domain they are for with customDomain',
    ]);
    expect(
      problemsOf({
        customDomain: 'Hooks.Example.com',
        customDomainCertificateArn: 'arn:aws:iam::123456789012:role/x',
        customDomainHostedZoneId: 'example',
        customDomainHostedZoneName: zoneName,
      }),
    ).toEqual([
      expect.stringMatching(/^customDomain: expected a lower-case DNS name/),
      expect.stringMatching(/^customDomainCertificateArn: expected an ACM certificate ARN/),
      expect.stringMatching(/^customDomainHostedZoneId: expected a Route 53 hosted zone id/),
      expect.stringContaining('go together'),
      expect.stringContaining('give the domain they are for'),
    ]);
  });
});
