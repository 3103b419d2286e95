/**
 * PCI DSS v4.0.1 (June 2024; v4.0 was retired on 31 December 2024): who meets each requirement
 * for a deployment of this receiver. One row per numbered requirement (x.y) of Requirements 1 to
 * 12 and the appendices, split into its sub-requirements where they fall to different parties
 * (4.2, 6.4, 10.2, 10.3, 10.5). Product rows cite the controls of compliance/controls.ts that
 * the report evaluates; test/compliance/responsibility.test.ts keeps the citations, and the
 * coverage of every requirement, from rotting.
 *
 * Scope decisions: the receiver is software the customer deploys into its own AWS account, not a
 * service this project runs, so the customer is the assessed entity (merchant or service
 * provider) and AWS its third-party service provider (12.8), assessed on its own Attestation of
 * Compliance. Service-provider-only sub-requirements (e.g. 3.6.1.1, 10.7.1, 11.4.7, 12.4.2,
 * 12.9) therefore fall to the customer when it is one. Appendix A1 applies only to a customer
 * that runs one deployment for several customers of its own: see its rows.
 */
import type { ResponsibilityMatrix, ResponsibilityRow } from './matrix.ts';

const rows: readonly ResponsibilityRow[] = [
  // Requirement 1: network security controls.
  {
    id: '1.1',
    title: 'Network security policies, procedures and roles',
    responsibility: 'customer',
    reason:
      'Documented policies and assigned roles are the entity’s own; the product documents its network design (docs/architecture.md, docs/security.md) as an input.',
  },
  {
    id: '1.2',
    title: 'Network security controls configured and maintained',
    responsibility: 'shared',
    product:
      'The template is the configuration standard of the receiver’s network controls: isolated subnets without NAT or internet gateway, a security group allowing HTTPS out to VPC endpoints only, one HTTPS front with one route. Every change to it is a CloudFormation change, and the daily self-audit (template-controls) reports drift from the template. The scope section of this report describes the receiver’s data flows, an input to the data-flow diagram (1.2.4).',
    customer:
      'Change control for deployments (1.2.2), the network diagram of the whole environment (1.2.3), approval of the services and ports in use (1.2.5) and the six-monthly review of network rules (1.2.7), including any VPC or endpoint the customer brings.',
    controls: ['pci-dss 1.3'],
  },
  {
    id: '1.3',
    title: 'Traffic to and from the cardholder data environment restricted',
    responsibility: 'product',
    controls: ['pci-dss 1.3'],
    evidence:
      'The ingest function runs in isolated subnets and reaches DynamoDB, SQS, KMS and S3 only through VPC endpoints; inbound, only POST (and a provider’s GET handshake) on the webhook path over HTTPS reaches it, and a provider may be limited to its published or listed source ranges. Flow logs record the function’s traffic. No wireless network exists in the receiver (1.3.3).',
  },
  {
    id: '1.4',
    title: 'Connections between trusted and untrusted networks controlled',
    responsibility: 'shared',
    product:
      'The front is the only component reachable from the internet; the function, the tables, the queues and the buckets are reached only through AWS APIs with IAM credentials, the buckets block public access, and no internal address is disclosed in answers (1.4.5).',
    customer:
      'Keep other paths from untrusted networks to these resources closed in the account (e.g. service control policies, endpoint policies of a VPC the customer brings); anti-spoofing at the network edge (1.4.3) is AWS’s.',
    controls: ['pci-dss 1.3', 'pci-dss 4.2.1'],
  },
  {
    id: '1.5',
    title: 'Devices that connect to untrusted networks and the CDE',
    responsibility: 'customer',
    reason:
      'Concerns the operators’ workstations that run the `webhooks` CLI and any other device with access to the account; the receiver has none.',
  },

  // Requirement 2: secure configurations.
  {
    id: '2.1',
    title: 'Secure configuration policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '2.2',
    title: 'System components configured and managed securely',
    responsibility: 'shared',
    product:
      'Every resource is configured from one template checked at synthesis by cdk-nag’s rule packs and the AWS Control Tower guard rules, with each acknowledged finding given its reason; there are no vendor default accounts or passwords (serverless services, IAM roles only), each function has one purpose, and administration goes through AWS APIs over TLS (2.2.7).',
    customer:
      'Configuration standards for the AWS account as a whole, the account’s root and default identities (2.2.2), and the review of this product’s acknowledged findings against the entity’s own standards.',
    controls: ['pci-dss 3.6.1', 'pci-dss 4.2.1'],
  },
  {
    id: '2.3',
    title: 'Wireless environments',
    responsibility: 'not-applicable',
    reason:
      'The receiver has no wireless component; wireless networks on the customer’s premises are outside this product (and under 11.2 the customer’s).',
  },

  // Requirement 3: stored account data.
  {
    id: '3.1',
    title: 'Stored-data protection policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '3.2',
    title: 'Storage of account data kept to a minimum',
    responsibility: 'shared',
    product:
      'Every store has a defined retention and disposes of data itself: DynamoDB TTL on audit records and payload copies, a lifecycle rule on the payload bucket, the queues’ message retention and every log group’s retention (the scope section lists each). Payload copies have a ceiling set by the profiles, and `webhooks audit erase` deletes a delivery’s personal fields, copies and bucket objects.',
    customer:
      'The data-retention policy (3.2.1): which providers may send account data, which retention class each gets, and the quarterly check that nothing is kept longer, including in the consumers downstream.',
    controls: ['pci-dss 10.5.1'],
  },
  {
    id: '3.3',
    title: 'Sensitive authentication data not kept after authorization',
    responsibility: 'shared',
    product:
      'A delivery’s body is kept only on the queue (at most 14 days) and, where its class keeps one, as a payload copy redacted by the provider’s rules and encrypted; a body whose redaction cannot be proved keeps no copy. Request headers that carry credentials are never stored.',
    customer:
      'The receiver cannot tell whether a body holds sensitive authentication data: register no provider that sends it, or give such a provider redaction rules for those fields and a class that keeps no payload copy, and keep it out of the consumers’ stores.',
  },
  {
    id: '3.4',
    title: 'Display and copying of full PAN restricted',
    responsibility: 'shared',
    product:
      'Only principals given `grantReadPayloadCopies` can decrypt payload copies and headers, and every read through the CLI is an admin record; a copy holds the body after the provider’s redaction rules.',
    customer:
      'Redaction rules that mask any PAN a provider sends (3.4.1), the list of people whose role needs the full value, and any copying from the operators’ workstations (3.4.2).',
  },
  {
    id: '3.5',
    title: 'PAN secured wherever it is stored',
    responsibility: 'product',
    controls: ['pci-dss 3.5.1'],
    evidence:
      'Every store of the receiver is encrypted under a customer managed KMS key whose use is granted apart from access to the store: the tables, the queues, the payload bucket and the log groups. Request headers and payload copies are encrypted again, field by field, with AES-256-GCM. Copies in the consumers’ systems are out of scope (see the scope section).',
  },
  {
    id: '3.6',
    title: 'Keys that protect stored account data secured',
    responsibility: 'shared',
    product:
      'One KMS key per class of data, key material never leaving KMS; key policies grant no wildcard action and bind every use to an encryption context or the calling service; only the ingest function may decrypt provider secrets, which are stored as KMS ciphertexts. A change of a key policy, and any attempt to disable or delete a key, notifies the alarm topic.',
    customer:
      'Documented key-management procedures (and, as a service provider, the description of the cryptographic architecture, 3.6.1.1), and the fewest custodians: naming the roles that may decrypt audit fields and deliveries with `keyCustodians` (else the key policies leave who to IAM), a break-glass role with `keyGuard`, and the fewest key administrators.',
    controls: ['pci-dss 3.6.1'],
  },
  {
    id: '3.7',
    title: 'Key-management lifecycle',
    responsibility: 'shared',
    product:
      'KMS generates, stores and never distributes the keys (3.7.1 to 3.7.3); every key rotates yearly (3.7.4), provider keys are checked daily against the cryptoperiod and kept no longer than their rotation grace (3.7.4, 3.7.5), and a provider key is bound to its settings so that it cannot be substituted without KMS (3.7.7).',
    customer:
      'Provider secrets enter in clear text through `webhooks providers add` or `rotate`: the procedures for handling them (3.7.6), the custodians’ acknowledgement of their duties (3.7.8), and rotating with each provider; as a service provider, guidance to its own customers (3.7.9).',
    controls: ['pci-dss 3.7.4'],
  },

  // Requirement 4: transmission over open, public networks.
  {
    id: '4.1',
    title: 'Transmission-protection policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '4.2.1',
    title: 'Strong cryptography for account data in transit',
    responsibility: 'product',
    controls: ['pci-dss 4.2.1'],
    evidence:
      'The front answers HTTPS only and refuses TLS before 1.2; the queue, topic and bucket policies refuse requests without TLS, and the functions call AWS over HTTPS. With a custom domain the execute-api endpoint is off, so the domain’s certificate (ACM) is the only one presented.',
  },
  {
    id: '4.2.1.1',
    title: 'Inventory of trusted keys and certificates',
    responsibility: 'customer',
    reason:
      'The inventory is the entity’s: it includes the custom domain’s certificate where one is used, the providers whose public keys are registered (`webhooks providers list`) and every other certificate of the environment.',
  },
  {
    id: '4.2.1.2',
    title: 'Wireless networks transmitting account data',
    responsibility: 'not-applicable',
    reason: 'The receiver sends and receives nothing over wireless networks it controls.',
  },
  {
    id: '4.2.2',
    title: 'PAN sent by end-user messaging',
    responsibility: 'not-applicable',
    reason: 'The receiver sends no e-mail, chat or other end-user messages holding data.',
  },

  // Requirement 5: malicious software.
  {
    id: '5.1',
    title: 'Anti-malware policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '5.2',
    title: 'Malware prevented or detected',
    responsibility: 'shared',
    product:
      'Nothing a delivery carries is executed or parsed before its signature is verified, and the functions run from immutable bundles on AWS-managed runtimes, their code read-only at run time.',
    customer:
      'The periodic evaluation of system components considered not at risk of malware (5.2.3, 5.2.3.1), which may cite this product’s design; anti-malware on the operators’ workstations.',
  },
  {
    id: '5.3',
    title: 'Anti-malware mechanisms active and maintained',
    responsibility: 'aws',
    reason:
      'The hosts that run Lambda, API Gateway, DynamoDB, SQS and S3 are AWS’s, covered by AWS’s own PCI DSS assessment; the receiver has no host of its own to run anti-malware on.',
  },
  {
    id: '5.4',
    title: 'Protection against phishing',
    responsibility: 'customer',
    reason: 'Concerns the entity’s personnel and their e-mail; the receiver has no users.',
  },

  // Requirement 6: secure systems and software.
  {
    id: '6.1',
    title: 'Secure development policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '6.2',
    title: 'Bespoke and custom software developed securely',
    responsibility: 'shared',
    product:
      'The receiver is built against common attacks (6.2.4): verification over the raw bytes before any parsing, constant-time comparison, bounded work per request, no header trusted for the source address, and a test for each refusal (docs/security.md).',
    customer:
      'Secure development, training and code review (6.2.1 to 6.2.3) for the consumers and for any change the customer makes to this product; the decision whether this product counts as third-party software it reviews before use.',
  },
  {
    id: '6.3',
    title: 'Security vulnerabilities identified and addressed',
    responsibility: 'shared',
    product:
      'The report’s supply-chain section lists each function’s runtime with its end-of-support dates, the npm packages the bundles hold (a CycloneDX SBOM with `--sbom`) and the advisories known against them (6.3.1, 6.3.2).',
    customer:
      'Monitoring vulnerability sources, ranking the risks, and deploying fixes within the required times (6.3.3) by upgrading and redeploying.',
  },
  {
    id: '6.4.1',
    title: 'Public-facing web applications protected (review or filter)',
    responsibility: 'product',
    controls: ['pci-dss 6.4.2'],
    evidence:
      'Met by the automated attack filter of 6.4.2, one of the two ways 6.4.1 allows (and the only one since 31 March 2025).',
  },
  {
    id: '6.4.2',
    title: 'Automated attack filter in front of public-facing web applications',
    responsibility: 'product',
    controls: ['pci-dss 6.4.2'],
    evidence:
      'A regional AWS WAF web ACL on the API stage: a rate limit per source, the Amazon IP reputation list and AWS managed rule groups that block; the rules that judge the signed body count and alarm (docs/compliance.md, "WAF rules"). Blocked and counted requests are logged.',
  },
  {
    id: '6.4.3',
    title: 'Payment page scripts managed',
    responsibility: 'not-applicable',
    reason: 'The receiver serves no payment page and no script to a browser.',
  },
  {
    id: '6.5',
    title: 'Changes to system components managed securely',
    responsibility: 'shared',
    product:
      'Every change is a change to the CDK app and its template, checked at synthesis (cdk-nag, guard rules, cfn-lint) and after deployment by the daily self-audit’s drift check; `npm start` runs on local stand-ins, so development needs no production data (6.5.5).',
    customer:
      'Change control: approval, testing and back-out of each deployment (6.5.1, 6.5.2), separate pre-production accounts (6.5.3), separation of duties (6.5.4) and removal of test data and accounts (6.5.6).',
  },

  // Requirement 7: access by business need to know.
  {
    id: '7.1',
    title: 'Access-control policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '7.2',
    title: 'Access defined and assigned by need to know',
    responsibility: 'shared',
    product:
      'The functions’ roles hold only the actions they use, on named resources (7.2.5); people get access through four grants, each one purpose (`grantConsumeDeliveries`, `grantReadAuditRecords`, `grantReadPayloadCopies`, `grantAdministerProviders`); the daily self-audit reports every change in who the key and table policies name (7.2.4, 7.2.5.1).',
    customer:
      'The access-control model and who gets which grant by job, and which roles `keyCustodians` names (7.2.1 to 7.2.3), the six-monthly review of user accounts (7.2.4), and access to query the stored data outside the CLI (7.2.6).',
    controls: ['pci-dss 3.6.1'],
  },
  {
    id: '7.3',
    title: 'Access managed through an access-control system',
    responsibility: 'shared',
    product:
      'Every policy of the stack names its actions and resources, none a wildcard action; IAM and KMS deny whatever is not granted.',
    customer:
      'The account’s IAM configuration: identities, permission boundaries and service control policies that keep other principals from the same resources.',
    controls: ['pci-dss 3.6.1'],
  },

  // Requirement 8: identification and authentication.
  {
    id: '8.1',
    title: 'Identification and authentication policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '8.2',
    title: 'User identification and accounts managed',
    responsibility: 'customer',
    reason:
      'The receiver has no user accounts of its own: people act through AWS identities the customer creates, changes and removes. The admin trail names each action’s caller by that identity, which supports the review.',
  },
  {
    id: '8.3',
    title: 'Strong authentication for users and administrators',
    responsibility: 'customer',
    reason:
      'Authentication of people is the AWS account’s (IAM Identity Center, an identity provider, IAM users): passwords, lockout and their rules are set there.',
  },
  {
    id: '8.4',
    title: 'Multi-factor authentication into the CDE',
    responsibility: 'customer',
    reason:
      'The receiver has no sign-in: every administrative and operator access is to the AWS account, whose MFA the customer enforces (for the console, the CLI’s credentials and any remote access).',
  },
  {
    id: '8.5',
    title: 'MFA systems configured against misuse',
    responsibility: 'customer',
    reason:
      'The MFA system is the customer’s identity provider or AWS IAM, configured by the customer.',
  },
  {
    id: '8.6',
    title: 'Application and system accounts managed',
    responsibility: 'shared',
    product:
      'The functions authenticate with IAM roles and temporary credentials only; no password or secret is in code, the template or an environment variable (8.6.2), and provider secrets are KMS ciphertexts only the ingest function may decrypt.',
    customer:
      'Any interactive use of the functions’ roles (8.6.1) and the rotation of provider secrets with each provider, within the cryptoperiod the self-audit checks (8.6.3).',
    controls: ['pci-dss 3.6.1'],
  },

  // Requirement 9: physical access.
  {
    id: '9.1',
    title: 'Physical security policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles, for its own premises.',
  },
  {
    id: '9.2',
    title: 'Physical access to facilities controlled',
    responsibility: 'aws',
    reason:
      'Every component runs in AWS data centres, whose physical controls AWS’s assessment covers.',
  },
  {
    id: '9.3',
    title: 'Physical access for personnel and visitors',
    responsibility: 'aws',
    reason: 'As 9.2: the facilities are AWS’s.',
  },
  {
    id: '9.4',
    title: 'Media with cardholder data secured and destroyed',
    responsibility: 'aws',
    reason:
      'The storage media of DynamoDB, SQS, S3 and CloudWatch Logs are AWS’s, sanitized under AWS’s assessment. Files the customer writes with `webhooks audit export` are on its own media, and its own.',
  },
  {
    id: '9.5',
    title: 'Point-of-interaction devices protected',
    responsibility: 'not-applicable',
    reason: 'The receiver has no card-reading device.',
  },

  // Requirement 10: logging and monitoring.
  {
    id: '10.1',
    title: 'Logging and monitoring policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '10.2.1',
    title: 'Audit logs enabled and active',
    responsibility: 'shared',
    product:
      'Every delivery attempt, accepted or refused, is an audit record; every CLI action is an admin record, reads of the trail included (10.2.1.2, 10.2.1.3); refusals record why (10.2.1.4); API Gateway logs every request. The deployment’s own CloudTrail trail (`accessTrail`, which pci-dss requires) records every read and write of its tables, queues and buckets outside the CLI and the region’s management events, KMS use included (10.2.1.1, 10.2.1.3, 10.2.1.6, 10.2.1.7).',
    customer:
      'An account or organization trail for changes to identities and credentials (IAM, IAM Identity Center: 10.2.1.5) and for other regions, and the logs of the rest of the environment.',
    controls: ['pci-dss 10.2.1'],
  },
  {
    id: '10.2.2',
    title: 'Audit log entries record the details of each event',
    responsibility: 'product',
    controls: ['pci-dss 10.2.2'],
    evidence:
      'Each audit record holds who (provider, source address), the event type, outcome and reason, the time, and the request, delivery and message ids; each admin record the caller’s identity, action, provider, time and outcome; each access log line the request id, time, source address, method, path and status.',
  },
  {
    id: '10.3.1',
    title: 'Read access to audit logs limited',
    responsibility: 'shared',
    product:
      'The audit trail is readable through `grantReadAuditRecords` (its encrypted fields only with `grantReadPayloadCopies`), and every log group is encrypted under the audit key.',
    customer: 'Who receives those grants, and who may read CloudWatch Logs in the account.',
  },
  {
    id: '10.3.2',
    title: 'Audit logs protected from modification',
    responsibility: 'product',
    controls: ['pci-dss 10.3'],
    evidence:
      'Every audit item is sealed when written, and signed, chained digests go to a bucket under Object Lock in compliance mode every 15 minutes; `webhooks audit verify` names any record altered, deleted or inserted. The tables have deletion protection and are kept when the stack is deleted.',
  },
  {
    id: '10.3.3',
    title: 'Audit logs promptly backed up',
    responsibility: 'product',
    controls: ['pci-dss 10.3'],
    evidence:
      'An AWS Backup plan copies the audit table daily into a vault under Vault Lock for the audit retention, and point-in-time recovery covers the last 35 days.',
  },
  {
    id: '10.3.4',
    title: 'Change detection on audit logs',
    responsibility: 'shared',
    product:
      'The daily self-audit checks the last day of the audit trail against its digests and seals and alarms on any finding; the access trail has CloudTrail log file validation and an Object Lock bucket.',
    customer:
      'Change detection for the CloudWatch log groups, which the receiver does not seal, and for the account’s own trails.',
    controls: ['pci-dss 10.3'],
  },
  {
    id: '10.4',
    title: 'Audit logs reviewed for anomalies',
    responsibility: 'shared',
    product:
      'Automated review (10.4.1.1): the daily self-audit checks the trail’s integrity, idle providers and changes in access, each with a metric and an alarm; spikes of refusals and of WAF blocks alarm too.',
    customer:
      'The daily review of security events and of the other logs of the environment (10.4.1, 10.4.2), the frequency set by targeted risk analysis (10.4.2.1), and follow-up of every exception (10.4.3).',
  },
  {
    id: '10.5.1',
    title: 'Audit log history retained at least 12 months',
    responsibility: 'product',
    controls: ['pci-dss 10.5.1'],
    evidence:
      'Delivery audit records are kept at least 400 days under the pci-dss profile, admin records six years and every log group 400 days, all queryable for their whole retention (the scope section gives this deployment’s figures).',
  },
  {
    id: '10.6',
    title: 'Time synchronization',
    responsibility: 'aws',
    reason:
      'The functions and the AWS services that stamp records and logs take their time from the Amazon Time Sync Service, which AWS operates.',
  },
  {
    id: '10.7',
    title: 'Failures of critical security controls detected and answered',
    responsibility: 'shared',
    product:
      'Alarms to the alarm destination, without which a pci-dss deployment does not synthesize (`alarmEmail` or `alarmTopic`): a scheduled function failing or not running, the self-audit’s failed checks, provider keys rejected, a key policy changed or a key’s disabling or deletion attempted, refusal and WAF-block spikes, counted WAF matches and the ingest function’s errors.',
    customer:
      'Having the alarm destination watched and responding to each failure (10.7.3); detecting failures of the account’s own controls (CloudTrail, AWS Config, GuardDuty); as a service provider, 10.7.1.',
  },

  // Requirement 11: security testing.
  {
    id: '11.1',
    title: 'Security-testing policies, procedures and roles',
    responsibility: 'customer',
    reason: 'The entity’s own documented processes and roles.',
  },
  {
    id: '11.2',
    title: 'Wireless access points identified and monitored',
    responsibility: 'not-applicable',
    reason:
      'The receiver has no wireless access point; the quarterly check of the customer’s premises is outside this product.',
  },
  {
    id: '11.3',
    title: 'Internal and external vulnerability scans',
    responsibility: 'customer',
    reason:
      'Quarterly internal and ASV external scans, and scans after significant changes, are run by or for the entity against its deployed endpoint (the front’s URL or custom domain), under AWS’s policy for security testing.',
  },
  {
    id: '11.4',
    title: 'Penetration testing',
    responsibility: 'customer',
    reason:
      'The entity’s yearly and after-change penetration tests, and segmentation tests, cover the deployed receiver; the product’s tests (`npm test`) are no substitute.',
  },
  {
    id: '11.5',
    title: 'Intrusions and unexpected changes detected',
    responsibility: 'shared',
    product:
      'The WAF (with its logs) at the front, VPC flow logs of the function’s traffic, and the daily self-audit’s comparison of the deployed template with what the report showed (11.5.2).',
    customer:
      'Intrusion detection for the environment, e.g. Amazon GuardDuty, with alerting and response (11.5.1); as a service provider, 11.5.1.1.',
  },
  {
    id: '11.6',
    title: 'Unauthorized changes on payment pages detected',
    responsibility: 'not-applicable',
    reason: 'The receiver serves no payment page.',
  },

  // Requirement 12: organizational policies and programs.
  {
    id: '12.1',
    title: 'Information security policy',
    responsibility: 'customer',
    reason: 'The entity’s policy, its review and the assignment of roles.',
  },
  {
    id: '12.2',
    title: 'Acceptable use of end-user technologies',
    responsibility: 'customer',
    reason: 'Concerns the entity’s personnel and devices.',
  },
  {
    id: '12.3',
    title: 'Risks identified, evaluated and managed',
    responsibility: 'customer',
    reason:
      'Targeted risk analyses (12.3.1, 12.3.2) and the yearly reviews of cipher suites (12.3.3; the front accepts TLS 1.2 and later) and of hardware and software technologies (12.3.4) are the entity’s; docs/security.md is the receiver’s threat model, an input.',
  },
  {
    id: '12.4',
    title: 'PCI DSS compliance managed',
    responsibility: 'customer',
    reason:
      'Executive responsibility, and for a service provider the quarterly reviews (12.4.2), are the entity’s; the daily self-audit and this report are evidence it may use.',
  },
  {
    id: '12.5',
    title: 'Scope documented and validated',
    responsibility: 'customer',
    reason:
      'The inventory of system components (12.5.1) and the confirmation of scope (12.5.2) cover the entity’s whole environment; this report’s scope section and resources are an input for the receiver’s part.',
  },
  {
    id: '12.6',
    title: 'Security awareness education',
    responsibility: 'customer',
    reason: 'Concerns the entity’s personnel.',
  },
  {
    id: '12.7',
    title: 'Personnel screened',
    responsibility: 'customer',
    reason: 'Concerns the entity’s personnel.',
  },
  {
    id: '12.8',
    title: 'Third-party service providers managed',
    responsibility: 'customer',
    reason:
      'AWS is the entity’s service provider for every component of the receiver: the entity lists it, keeps the agreement, monitors its Attestation of Compliance (AWS Artifact) and records which requirements AWS meets (12.8.5), as this matrix’s AWS rows do. Providers that send account data are third parties of the entity too.',
  },
  {
    id: '12.9',
    title: 'Service providers support their customers',
    responsibility: 'customer',
    reason:
      'Applies to the entity only if it is itself a service provider to others; this project provides software, not a service, and is not a party.',
  },
  {
    id: '12.10',
    title: 'Security incidents responded to',
    responsibility: 'customer',
    reason:
      'The incident response plan, its testing and 24/7 availability are the entity’s; the product’s alarms (12.10.5) and the audit trail are inputs, and `webhooks providers rotate` or `disable` answers a leaked secret.',
  },

  // Appendices.
  {
    id: 'A1.1',
    title: 'Multi-tenant service providers separate their customers’ environments',
    responsibility: 'customer',
    reason:
      'Applies only to a customer that runs one deployment for several customers of its own. The receiver separates providers (their own keys, partitions and retention), not tenants: such a customer deploys one stack per tenant or adds the separation A1.1 asks.',
  },
  {
    id: 'A1.2',
    title: 'Multi-tenant service providers support logging and incident response per customer',
    responsibility: 'customer',
    reason:
      'As A1.1: only for a customer that hosts others; the audit trail is per deployment, so per-tenant logs need a deployment per tenant.',
  },
  {
    id: 'A2',
    title: 'SSL and early TLS on card-present POS POI terminals',
    responsibility: 'not-applicable',
    reason: 'The receiver has no POS POI terminal and refuses TLS before 1.2.',
  },
  {
    id: 'A3',
    title: 'Designated Entities Supplemental Validation',
    responsibility: 'customer',
    reason: 'Applies only where a payment brand or acquirer designates the entity.',
  },
];

export const pciDssResponsibility: ResponsibilityMatrix = {
  framework: 'PCI DSS v4.0.1',
  unit: 'requirements',
  notes: [
    'The customer, which deploys the receiver into its own AWS account, is the assessed entity; AWS is its third-party service provider, assessed on its own Attestation of Compliance (AWS Artifact). This project supplies software, not a service.',
    'Consumers of the delivery queue, the providers’ systems and the AWS account’s identity and logging setup are outside the receiver (see the scope section); their requirements are the customer’s.',
    'Rows are at the level of the numbered requirement (x.y), split into sub-requirements where they fall to different parties.',
  ],
  rows,
};
