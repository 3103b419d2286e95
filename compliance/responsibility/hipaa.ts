/**
 * The HIPAA Security Rule (45 CFR Part 164, Subpart C): who meets each standard and
 * implementation specification of §164.308 (administrative), §164.310 (physical), §164.312
 * (technical), §164.314 (organizational) and §164.316 (policies and documentation) for a
 * deployment of this receiver. A standard with implementation specifications is met through
 * them; each specification is marked required or addressable (§164.306(d)): an addressable one
 * is implemented where reasonable and appropriate, or the covered entity documents why not and
 * what it does instead.
 *
 * The customer, the covered entity or business associate that deploys the receiver, is the
 * regulated party; AWS is its business associate (or subcontractor) under the AWS Business
 * Associate Addendum, which the customer accepts before ePHI reaches any AWS service.
 */
import type { HipaaRow, ResponsibilityMatrix } from './matrix.ts';

const rows: readonly HipaaRow[] = [
  // §164.308 Administrative safeguards.
  {
    id: '164.308(a)(1)(i)',
    kind: 'standard',
    title: 'Security management process',
    responsibility: 'customer',
    reason:
      'Met through the four specifications below, each the customer’s program; the receiver supplies inputs to (D).',
  },
  {
    id: '164.308(a)(1)(ii)(A)',
    kind: 'required',
    title: 'Risk analysis',
    responsibility: 'customer',
    reason:
      'The accurate and thorough assessment of risks to ePHI covers the customer’s whole environment; this report’s scope section and docs/security.md (the receiver’s threat model) are inputs for the receiver’s part.',
  },
  {
    id: '164.308(a)(1)(ii)(B)',
    kind: 'required',
    title: 'Risk management',
    responsibility: 'customer',
    reason:
      'Choosing the measures that bring risks to a reasonable level is the customer’s; the profiles, allowlists and retention classes are among the measures it may choose.',
  },
  {
    id: '164.308(a)(1)(ii)(C)',
    kind: 'required',
    title: 'Sanction policy',
    responsibility: 'customer',
    reason: 'Concerns the customer’s workforce.',
  },
  {
    id: '164.308(a)(1)(ii)(D)',
    kind: 'required',
    title: 'Information system activity review',
    responsibility: 'shared',
    product:
      'Every delivery attempt and every CLI action is recorded; `webhooks audit list`, `stats` and `compliance history` report them, and the daily self-audit checks the trail’s integrity, idle providers and changes in access, alarming on findings.',
    customer:
      'Reviewing those records and reports regularly, the access trail’s record of access outside the CLI included.',
    controls: ['hipaa 164.312(b)'],
  },
  {
    id: '164.308(a)(2)',
    kind: 'standard',
    title: 'Assigned security responsibility',
    responsibility: 'customer',
    reason: 'Naming the security official is the customer’s.',
  },
  {
    id: '164.308(a)(3)(i)',
    kind: 'standard',
    title: 'Workforce security',
    responsibility: 'customer',
    reason:
      'Which members of the workforce get access to ePHI, and which do not, is the customer’s decision, carried out through the grants and IAM.',
  },
  {
    id: '164.308(a)(3)(ii)(A)',
    kind: 'addressable',
    title: 'Authorization and/or supervision',
    responsibility: 'customer',
    reason: 'Concerns the customer’s workforce.',
  },
  {
    id: '164.308(a)(3)(ii)(B)',
    kind: 'addressable',
    title: 'Workforce clearance procedure',
    responsibility: 'customer',
    reason: 'Concerns the customer’s workforce.',
  },
  {
    id: '164.308(a)(3)(ii)(C)',
    kind: 'addressable',
    title: 'Termination procedures',
    responsibility: 'customer',
    reason:
      'Removing a departing person’s AWS identity or grant is done in the customer’s IAM; the receiver holds no account to remove.',
  },
  {
    id: '164.308(a)(4)(i)',
    kind: 'standard',
    title: 'Information access management',
    responsibility: 'shared',
    product:
      'Access to each kind of data is its own grant: consuming deliveries, reading the audit trail, decrypting its fields (payload copies and headers), and administering providers; the functions’ roles hold only what they use.',
    customer:
      'The policies that say who is authorized to each, and attaching the grants accordingly.',
  },
  {
    id: '164.308(a)(4)(ii)(A)',
    kind: 'required',
    title: 'Isolating health care clearinghouse functions',
    responsibility: 'customer',
    reason:
      'Applies only to a clearinghouse that is part of a larger organization; such a customer keeps the receiver in the clearinghouse’s own account.',
  },
  {
    id: '164.308(a)(4)(ii)(B)',
    kind: 'addressable',
    title: 'Access authorization',
    responsibility: 'customer',
    reason:
      'The policies for granting access; the grant methods carry them out, and each grant is listed in the stack.',
  },
  {
    id: '164.308(a)(4)(ii)(C)',
    kind: 'addressable',
    title: 'Access establishment and modification',
    responsibility: 'shared',
    product:
      'Each grant is one customer managed policy attached from the grantee’s side, and the daily self-audit reports every change in who the key and table policies name.',
    customer: 'Establishing, documenting, reviewing and changing each person’s access.',
  },
  {
    id: '164.308(a)(5)(i)',
    kind: 'standard',
    title: 'Security awareness and training',
    responsibility: 'customer',
    reason: 'A program for the customer’s workforce.',
  },
  {
    id: '164.308(a)(5)(ii)(A)',
    kind: 'addressable',
    title: 'Security reminders',
    responsibility: 'customer',
    reason: 'Concerns the customer’s workforce.',
  },
  {
    id: '164.308(a)(5)(ii)(B)',
    kind: 'addressable',
    title: 'Protection from malicious software',
    responsibility: 'customer',
    reason:
      'Procedures for guarding against malware on the workforce’s systems; the receiver executes nothing a delivery carries and runs on AWS-managed runtimes.',
  },
  {
    id: '164.308(a)(5)(ii)(C)',
    kind: 'addressable',
    title: 'Log-in monitoring',
    responsibility: 'shared',
    product:
      'Every refused delivery (bad signature, unknown provider, source not allowed) is audited with its reason and counted in metrics, and spikes alarm.',
    customer: 'Monitoring sign-ins to the AWS account, where people log in.',
    controls: ['hipaa 164.312(b)'],
  },
  {
    id: '164.308(a)(5)(ii)(D)',
    kind: 'addressable',
    title: 'Password management',
    responsibility: 'customer',
    reason:
      'Passwords are the customer’s identity provider’s or IAM’s; the receiver has none. Provider secrets are managed with `webhooks providers rotate`.',
  },
  {
    id: '164.308(a)(6)(i)',
    kind: 'standard',
    title: 'Security incident procedures',
    responsibility: 'customer',
    reason: 'The customer’s policies and procedures for incidents.',
  },
  {
    id: '164.308(a)(6)(ii)',
    kind: 'required',
    title: 'Response and reporting',
    responsibility: 'shared',
    product:
      'Alarms on security-relevant events go to the alarm destination, without which a hipaa deployment does not synthesize, and the audit trail with its verified digests supports investigation; `providers rotate` or `disable` stops a leaked secret within the configuration cache time.',
    customer:
      'Identifying and responding to incidents, mitigating their effects, documenting them and their outcomes.',
  },
  {
    id: '164.308(a)(7)(i)',
    kind: 'standard',
    title: 'Contingency plan',
    responsibility: 'shared',
    product: 'Backups and restore of what the receiver stores, as (A) and (B) below.',
    customer: 'The plan itself, for the whole environment.',
    controls: ['hipaa 164.308(a)(7)'],
  },
  {
    id: '164.308(a)(7)(ii)(A)',
    kind: 'required',
    title: 'Data backup plan',
    responsibility: 'product',
    controls: ['hipaa 164.308(a)(7)'],
    evidence:
      'An AWS Backup plan copies the audit and registry tables every day into a vault under Vault Lock for the audit retention, and point-in-time recovery covers the last 35 days. The queue and the payload bucket hold deliveries only until the consumers take them; the consumers’ copies are theirs to back up.',
  },
  {
    id: '164.308(a)(7)(ii)(B)',
    kind: 'required',
    title: 'Disaster recovery plan',
    responsibility: 'shared',
    product:
      'docs/restore.md is the restore drill for both tables, erasures re-applied after a restore included; keys, tables and log groups are kept when the stack is deleted.',
    customer: 'The recovery plan, including another region if it needs one, and its owners.',
    controls: ['hipaa 164.308(a)(7)'],
  },
  {
    id: '164.308(a)(7)(ii)(C)',
    kind: 'required',
    title: 'Emergency mode operation plan',
    responsibility: 'customer',
    reason:
      'How critical processes continue while in emergency mode is the customer’s plan; providers retry deliveries the receiver cannot take, within their own limits.',
  },
  {
    id: '164.308(a)(7)(ii)(D)',
    kind: 'addressable',
    title: 'Testing and revision procedures',
    responsibility: 'customer',
    reason: 'Running the restore drill (docs/restore.md) on a schedule and revising the plan.',
  },
  {
    id: '164.308(a)(7)(ii)(E)',
    kind: 'addressable',
    title: 'Applications and data criticality analysis',
    responsibility: 'customer',
    reason: 'How critical the receiver and its data are among the customer’s systems.',
  },
  {
    id: '164.308(a)(8)',
    kind: 'standard',
    title: 'Evaluation',
    responsibility: 'shared',
    product:
      'The daily self-audit evaluates the deployed stack against this report’s technical checks, and the report can be regenerated at any time.',
    customer:
      'The periodic technical and non-technical evaluation, and one after each environmental or operational change.',
  },
  {
    id: '164.308(b)(1)',
    kind: 'standard',
    title: 'Business associate contracts and other arrangements',
    responsibility: 'customer',
    reason:
      'AWS creates, receives, maintains and transmits ePHI for the customer, so the customer accepts the AWS Business Associate Addendum (AWS Artifact) and keeps ePHI to HIPAA-eligible services; providers that send ePHI on the customer’s behalf may need agreements of their own.',
  },
  {
    id: '164.308(b)(3)',
    kind: 'required',
    title: 'Written contract or other arrangement',
    responsibility: 'customer',
    reason: 'Documenting the assurances of (b)(1), e.g. the accepted AWS BAA.',
  },

  // §164.310 Physical safeguards.
  {
    id: '164.310(a)(1)',
    kind: 'standard',
    title: 'Facility access controls',
    responsibility: 'aws',
    reason:
      'Every component runs in AWS data centres, whose physical access AWS controls and its BAA and attestations cover; the customer’s own offices are its own.',
  },
  {
    id: '164.310(a)(2)(i)',
    kind: 'addressable',
    title: 'Contingency operations',
    responsibility: 'aws',
    reason: 'Facility access during a disaster, for AWS’s facilities.',
  },
  {
    id: '164.310(a)(2)(ii)',
    kind: 'addressable',
    title: 'Facility security plan',
    responsibility: 'aws',
    reason: 'For AWS’s facilities.',
  },
  {
    id: '164.310(a)(2)(iii)',
    kind: 'addressable',
    title: 'Access control and validation procedures',
    responsibility: 'aws',
    reason: 'For AWS’s facilities.',
  },
  {
    id: '164.310(a)(2)(iv)',
    kind: 'addressable',
    title: 'Maintenance records',
    responsibility: 'aws',
    reason: 'For AWS’s facilities.',
  },
  {
    id: '164.310(b)',
    kind: 'standard',
    title: 'Workstation use',
    responsibility: 'customer',
    reason: 'The operators’ workstations that run the `webhooks` CLI are the customer’s.',
  },
  {
    id: '164.310(c)',
    kind: 'standard',
    title: 'Workstation security',
    responsibility: 'customer',
    reason:
      'As (b): the customer’s workstations, including files written by `webhooks audit export`.',
  },
  {
    id: '164.310(d)(1)',
    kind: 'standard',
    title: 'Device and media controls',
    responsibility: 'aws',
    reason:
      'The storage media of every service the receiver uses are AWS’s; media of the customer’s own (exports, workstations) are the customer’s.',
  },
  {
    id: '164.310(d)(2)(i)',
    kind: 'required',
    title: 'Disposal',
    responsibility: 'aws',
    reason:
      'AWS sanitizes and destroys its storage media; the receiver’s data is deleted by its retention (scope section).',
  },
  {
    id: '164.310(d)(2)(ii)',
    kind: 'required',
    title: 'Media re-use',
    responsibility: 'aws',
    reason: 'For AWS’s storage media.',
  },
  {
    id: '164.310(d)(2)(iii)',
    kind: 'addressable',
    title: 'Accountability',
    responsibility: 'aws',
    reason: 'Records of hardware movements, for AWS’s hardware.',
  },
  {
    id: '164.310(d)(2)(iv)',
    kind: 'addressable',
    title: 'Data backup and storage',
    responsibility: 'aws',
    reason: 'A copy before equipment is moved, for AWS’s equipment.',
  },

  // §164.312 Technical safeguards.
  {
    id: '164.312(a)(1)',
    kind: 'standard',
    title: 'Access control',
    responsibility: 'shared',
    product:
      'Only deliveries signed with a registered provider’s key, from its allowed ranges where set, get in; stored ePHI is reached only through the grants, and its encrypted fields only by those who may decrypt under their context.',
    customer:
      'Which people and systems get each grant, in IAM, and which roles the key policies name as custodians (`keyCustodians`).',
    controls: ['hipaa 164.312(a)(1)'],
  },
  {
    id: '164.312(a)(2)(i)',
    kind: 'required',
    title: 'Unique user identification',
    responsibility: 'shared',
    product: 'Every CLI action is recorded under the caller’s AWS identity (the STS caller ARN).',
    customer:
      'A unique identity per person, with a session name that names them when roles are shared.',
  },
  {
    id: '164.312(a)(2)(ii)',
    kind: 'required',
    title: 'Emergency access procedure',
    responsibility: 'customer',
    reason:
      'Break-glass access is an IAM procedure of the customer’s (`keyGuard` names the one role that may still disable or delete a key); `webhooks providers disable` works without KMS in an emergency.',
  },
  {
    id: '164.312(a)(2)(iii)',
    kind: 'addressable',
    title: 'Automatic logoff',
    responsibility: 'customer',
    reason:
      'Sessions are the AWS account’s (console and credential durations); the CLI keeps none of its own.',
  },
  {
    id: '164.312(a)(2)(iv)',
    kind: 'addressable',
    title: 'Encryption and decryption',
    responsibility: 'product',
    controls: ['hipaa 164.312(a)(2)(iv)'],
    evidence:
      'Tables, queues, the payload bucket and log groups are encrypted under customer managed KMS keys, one per class of data, rotated yearly; headers and payload copies again with AES-256-GCM per field.',
  },
  {
    id: '164.312(b)',
    kind: 'standard',
    title: 'Audit controls',
    responsibility: 'shared',
    product:
      'Every delivery attempt and every CLI action, reads included, is recorded; API Gateway logs every request and flow logs the function’s traffic; the deployment’s own CloudTrail trail (`accessTrail`, which hipaa requires) records every access to its tables, queues and buckets outside the CLI and every use of its keys.',
    customer:
      'An account or organization trail for identity changes and other regions, and recording activity in the customer’s other systems that hold ePHI.',
    controls: ['hipaa 164.312(b)'],
  },
  {
    id: '164.312(c)(1)',
    kind: 'standard',
    title: 'Integrity',
    responsibility: 'product',
    controls: ['hipaa 164.312(c)(1)'],
    evidence:
      'A delivery is queued only after its signature verifies over the exact bytes received; audit records are sealed and covered by signed digests under Object Lock; the tables have point-in-time recovery and deletion protection.',
  },
  {
    id: '164.312(c)(2)',
    kind: 'addressable',
    title: 'Mechanism to authenticate ePHI',
    responsibility: 'product',
    controls: ['hipaa 164.312(c)(1)'],
    evidence:
      'The provider’s signature authenticates each body; seals, digests (`webhooks audit verify`) and AES-GCM authentication tags show any change to stored records.',
  },
  {
    id: '164.312(d)',
    kind: 'standard',
    title: 'Person or entity authentication',
    responsibility: 'shared',
    product:
      'Each sender is authenticated by its provider’s signature, checked with keys only KMS can decrypt.',
    customer:
      'Authenticating people, who reach the data only through the AWS account’s identities.',
    controls: ['hipaa 164.312(a)(1)'],
  },
  {
    id: '164.312(e)(1)',
    kind: 'standard',
    title: 'Transmission security',
    responsibility: 'product',
    controls: ['hipaa 164.312(e)(1)'],
    evidence:
      'The front answers HTTPS only, TLS 1.2 or later; queue, topic and bucket policies refuse requests without TLS, and the functions call AWS over HTTPS.',
  },
  {
    id: '164.312(e)(2)(i)',
    kind: 'addressable',
    title: 'Integrity controls in transit',
    responsibility: 'product',
    controls: ['hipaa 164.312(e)(1)', 'hipaa 164.312(c)(1)'],
    evidence:
      'TLS protects every hop, and the signature shows any change between the provider and the receiver; the queue message carries the exact bytes verified.',
  },
  {
    id: '164.312(e)(2)(ii)',
    kind: 'addressable',
    title: 'Encryption in transit',
    responsibility: 'product',
    controls: ['hipaa 164.312(e)(1)'],
    evidence: 'As (e)(1): HTTPS with TLS 1.2 or later on the front and on every call to AWS.',
  },

  // §164.314 Organizational requirements.
  {
    id: '164.314(a)(1)',
    kind: 'standard',
    title: 'Business associate contracts or other arrangements',
    responsibility: 'customer',
    reason:
      'The customer accepts the AWS Business Associate Addendum before ePHI reaches the account (AWS Artifact), and keeps the receiver to HIPAA-eligible services; AWS meets its side of the addendum.',
  },
  {
    id: '164.314(a)(2)(i)',
    kind: 'required',
    title: 'Business associate contracts',
    responsibility: 'aws',
    reason:
      'The contents (safeguards, subcontractors bound alike, incident reporting) are the AWS BAA’s terms, which AWS writes and meets; the customer’s part is accepting it, under (a)(1).',
  },
  {
    id: '164.314(a)(2)(ii)',
    kind: 'required',
    title: 'Other arrangements',
    responsibility: 'not-applicable',
    reason: 'Applies only where both parties are government entities, not to AWS.',
  },
  {
    id: '164.314(a)(2)(iii)',
    kind: 'required',
    title: 'Business associate contracts with subcontractors',
    responsibility: 'customer',
    reason:
      'Where the customer is itself a business associate, AWS is its subcontractor, and the AWS BAA is that contract.',
  },
  {
    id: '164.314(b)(1)',
    kind: 'standard',
    title: 'Requirements for group health plans',
    responsibility: 'not-applicable',
    reason:
      'Concerns a group health plan’s plan documents and its sponsor; nothing a receiver does bears on it.',
  },
  {
    id: '164.314(b)(2)',
    kind: 'required',
    title: 'Plan document provisions',
    responsibility: 'not-applicable',
    reason: 'As (b)(1): provisions of the plan sponsor’s documents, outside any receiver.',
  },

  // §164.316 Policies, procedures and documentation.
  {
    id: '164.316(a)',
    kind: 'standard',
    title: 'Policies and procedures',
    responsibility: 'customer',
    reason:
      'The customer’s policies and procedures; this report, docs/compliance.md and docs/security.md document the receiver’s part.',
  },
  {
    id: '164.316(b)(1)',
    kind: 'standard',
    title: 'Documentation',
    responsibility: 'customer',
    reason:
      'Keeping the policies, procedures and records of required actions in written or electronic form is the customer’s; how long the receiver keeps its own records is under (b)(2)(i).',
  },
  {
    id: '164.316(b)(2)(i)',
    kind: 'required',
    title: 'Time limit',
    responsibility: 'shared',
    product:
      'Delivery audit records, admin records and every log group are kept six years (2192 days) under the hipaa profile.',
    customer:
      'Keeping its own policies, procedures and assessments six years from creation or last effect.',
    controls: ['hipaa 164.316(b)(2)'],
  },
  {
    id: '164.316(b)(2)(ii)',
    kind: 'required',
    title: 'Availability',
    responsibility: 'customer',
    reason: 'Making the documentation available to those who implement the procedures.',
  },
  {
    id: '164.316(b)(2)(iii)',
    kind: 'required',
    title: 'Updates',
    responsibility: 'customer',
    reason:
      'Reviewing and updating the documentation periodically and after changes; regenerate this report after each change to the deployment.',
  },
];

export const hipaaResponsibility: ResponsibilityMatrix<HipaaRow> = {
  framework: 'HIPAA Security Rule (45 CFR Part 164, Subpart C)',
  unit: 'standards and implementation specifications',
  notes: [
    'The customer, a covered entity or business associate, deploys the receiver into its own AWS account; AWS is its business associate under the AWS BAA. This project supplies software and is not a business associate.',
    'Every standard of §164.308, §164.310, §164.312, §164.314 and §164.316 is listed with each of its implementation specifications, required (R) or addressable (A).',
  ],
  rows,
};
