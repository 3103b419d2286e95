/**
 * `access-changes`: who may decrypt or read the audit trail, as the principals the resource
 * policies name (the keys' policies and the tables' resource policies), compared with the sets
 * the previous run recorded, so that an access review sees every change once: in the run that
 * first reads it (PCI DSS v4.0.1 7.2.4 and 10.4.1; HIPAA §164.308(a)(1)(ii)(D)).
 *
 * A principal is written as IAM's policy names it: `AWS:<arn or account>`, `Service:<service>`,
 * `Federated:<provider>`, `CanonicalUser:<id>`, or `*` for anyone (`"*"` and `{"AWS": "*"}`
 * alike). Only `Allow` statements grant; an `Allow` with `NotPrincipal` grants everyone but the
 * principals it names, written `NotPrincipal <principal>`. A condition does not take a
 * principal out: the review lists who a statement names, what it allows under which condition
 * is the policy's to read.
 */
import { isoTime, type ReviewFinding } from './review-finding.ts';

/** Each resource's principals, sorted and distinct, by a label naming the resource. */
export type PrincipalSets = Readonly<Record<string, readonly string[]>>;

/** The principals a policy document's `Allow` statements name; none for no policy. */
export function policyPrincipals(policy: string | undefined): string[] {
  if (policy === undefined || policy === '') return [];
  const document: unknown = JSON.parse(policy);
  const statements = isRecord(document) ? document.Statement : undefined;
  const list = Array.isArray(statements)
    ? statements
    : statements === undefined
      ? []
      : [statements];
  const principals = new Set<string>();
  for (const statement of list) {
    if (!isRecord(statement) || statement.Effect !== 'Allow') continue;
    for (const name of principalNames(statement.Principal)) principals.add(name);
    for (const name of principalNames(statement.NotPrincipal))
      principals.add(`NotPrincipal ${name}`);
  }
  return [...principals].sort();
}

function principalNames(principal: unknown): string[] {
  if (principal === undefined) return [];
  if (principal === '*') return ['*'];
  if (!isRecord(principal)) return [`unreadable principal ${JSON.stringify(principal)}`];
  return Object.entries(principal).flatMap(([kind, value]) =>
    (Array.isArray(value) ? value : [value]).map((entry) =>
      kind === 'AWS' && entry === '*' ? '*' : `${kind}:${String(entry)}`,
    ),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every principal added to or removed from a resource since `previous` (read at
 * `previousAtMs`), one finding each; a resource new or gone since then lists all of its own.
 */
export function accessChanges(
  previous: PrincipalSets,
  current: PrincipalSets,
  previousAtMs: number,
): ReviewFinding[] {
  const resources = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort();
  const since = isoTime(previousAtMs);
  return resources.flatMap((resource) => {
    const before = new Set(previous[resource] ?? []);
    const after = new Set(current[resource] ?? []);
    const added = [...after].filter((principal) => !before.has(principal));
    const removed = [...before].filter((principal) => !after.has(principal));
    const where =
      previous[resource] === undefined
        ? ' (a resource the run of that time did not read)'
        : current[resource] === undefined
          ? ' (a resource this run does not read)'
          : '';
    return [
      ...added.map((principal) => ({
        subject: resource,
        text: `${resource}: ${principal} added to its policy since ${since}${where}`,
      })),
      ...removed.map((principal) => ({
        subject: resource,
        text: `${resource}: ${principal} removed from its policy since ${since}${where}`,
      })),
    ];
  });
}

/** How many principals the sets hold, over how many resources, for a run's summary. */
export function principalCount(sets: PrincipalSets): { principals: number; resources: number } {
  const resources = Object.keys(sets);
  return {
    principals: resources.reduce((sum, resource) => sum + (sets[resource]?.length ?? 0), 0),
    resources: resources.length,
  };
}
