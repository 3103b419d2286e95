/**
 * The deployments the cost tool prices: one per compliance profile, each with every other
 * setting at its default, and the lean one. Each is a set of CDK context values, exactly what
 * `npx cdk deploy -c key=value` passes; what it deploys is read from its template, never assumed.
 */
import { complianceProfileNames, complianceProfiles } from '../../compliance/profiles.ts';
import {
  defaultRetentionClass,
  isRetentionClassName,
  keepsPayloadCopy,
  payloadCopyCeilingVariable,
  type RetentionClassName,
} from '../../functions/config/retention.ts';
import { contextKeys, placeholderAlarmEmail } from '../../infra/context.ts';
import type { PathName } from './paths.ts';
import type { TemplateFacts } from './template-facts.ts';

export interface Setup {
  readonly name: string;
  /** CDK context, as `-c key=value` passes it. */
  readonly context: Readonly<Record<string, string>>;
  /** The retention class its providers are registered with. */
  readonly providerClass: RetentionClassName;
  /** What the setup is for, in a few words. */
  readonly summary: string;
}

/** The setup `npx cdk deploy` makes with no context: the `baseline` profile. */
export const defaultSetupName = 'baseline';

export const leanSetupName = 'lean';

/**
 * The alarm address every profile but baseline requires (`cdk deploy` refuses without one):
 * the placeholder, which the reader replaces with theirs. An e-mail subscription adds nothing
 * the cost tool prices.
 */
const alarmDestination = { [contextKeys.alarmEmail]: placeholderAlarmEmail };

export const setups: readonly Setup[] = [
  ...complianceProfileNames.map((name) => ({
    name,
    context: {
      profiles: name,
      ...(complianceProfiles[name].alarmDestinationRequired ? alarmDestination : {}),
    },
    providerClass: defaultRetentionClass,
    summary:
      name === defaultSetupName
        ? 'the default deployment, providers on the default class'
        : `the \`${name}\` profile, providers on the default class`,
  })),
  {
    name: leanSetupName,
    // The cheapest deployment the profiles allow: GDPR keeps no payload copies, no WAF, and a
    // Lambda function URL in front (no per-request front price; gdpr does not require the
    // access log a function URL lacks). The template says which front was deployed.
    context: { profiles: 'gdpr', waf: 'false', front: 'url', ...alarmDestination },
    providerClass: 'minimal',
    summary:
      'GDPR storage limits, no WAF, a function URL front, providers registered with `--retention minimal`',
  },
];

/** The `cdk deploy` command line that makes a setup. */
export const deployCommand = (setup: Setup): string =>
  [
    'npx cdk deploy',
    ...Object.entries(setup.context).map(([key, value]) => `-c ${key}=${value}`),
  ].join(' ');

/**
 * The measured path an accepted delivery of `setup` takes: with a payload copy when its
 * providers' class keeps one and the deployment's ceiling (the template's variable) allows it,
 * decided by the rule the handler applies. The retention floor only moves a record's TTL.
 */
export function acceptedPathOf(setup: Setup, facts: TemplateFacts): PathName {
  const ceiling = facts.lambda.environment[payloadCopyCeilingVariable];
  const keeps = keepsPayloadCopy(
    setup.providerClass,
    isRetentionClassName(ceiling) ? ceiling : undefined,
  );
  return keeps ? 'accepted-standard' : 'accepted-minimal';
}
