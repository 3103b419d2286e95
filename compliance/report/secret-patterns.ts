/**
 * What a leaked credential looks like: the template rule (compliance/checks/no-secrets-in-template.ts)
 * looks for these in the template, and the live mode (live-resources.ts) in each function's
 * environment as it runs, keeping only the name of a variable that matches, never its value.
 */
export const credentialPatterns: ReadonlyArray<readonly [RegExp, string]> = [
  [/whsec_/, 'a Stripe-style webhook secret (whsec_…)'],
  [/sk_(live|test)_/, 'a Stripe API key'],
  [/-----BEGIN/, 'a PEM key or certificate'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/xox[abp]-/, 'a Slack token'],
];
