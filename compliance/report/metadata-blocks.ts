/**
 * The report's metadata (metadata.ts) as the reader sees it near the top: the statement of
 * what the report is, then where its evidence came from and how to make it again.
 */
import type { Block, Text } from './blocks.ts';
import type { ReportMetadata } from './metadata.ts';
import type { ComplianceReport } from './report.ts';

/** The statement, then the metadata table. */
export function metadataBlocks(report: ComplianceReport): Block[] {
  const { metadata } = report;
  return [
    { kind: 'heading', level: 2, text: 'About this report' },
    { kind: 'paragraph', text: [{ strong: 'What it is:' }, ' ', metadata.statement] },
    { kind: 'table', header: ['Evidence of', 'Value'], rows: metadataRows(metadata) },
  ];
}

function metadataRows(metadata: ReportMetadata): Text[][] {
  const { versions } = metadata;
  return [
    ['Generated', `${metadata.generatedAt} (UTC)`],
    ['Reproduce with', { code: metadata.command }],
    ['Git commit', commitText(metadata.commit)],
    ...(metadata.templates.length === 0
      ? [['Template SHA-256', 'not hashed'] as Text[]]
      : metadata.templates.map((template): Text[] => [
          'Template SHA-256',
          [{ code: template.sha256 }, ` (${template.source})`],
        ])),
    [
      'Tool versions',
      [
        `webhook-ingestion ${versions.webhookIngestion}, Node.js ${versions.node}`,
        ...Object.entries(versions.packages).map(([name, version]) => `, ${name} ${version}`),
      ],
    ],
    ['Deployment', deploymentText(metadata)],
    ['Run by', callerText(metadata)],
    [
      'Live readings',
      metadata.liveReadings === null
        ? 'none: no value was read from a deployed stack'
        : `between ${metadata.liveReadings.first} and ${metadata.liveReadings.last}; each reading's time is given under its control`,
    ],
  ];
}

function commitText(commit: ReportMetadata['commit']): Text {
  if (commit.status === 'not-git') return `not a git checkout (${commit.reason})`;
  return [
    { code: commit.sha },
    commit.dirty
      ? ' (the working tree has uncommitted changes to tracked files: a template made from it may differ from the commit’s)'
      : ' (the working tree has no uncommitted changes to tracked files)',
  ];
}

function deploymentText(metadata: ReportMetadata): Text {
  const { deployment } = metadata;
  if (deployment === null) return 'none read: the report was made from the template only';
  return [
    'stack ',
    { code: deployment.stack },
    ` in ${deployment.region}, account ${deployment.account ?? 'not known (the caller could not be named)'}`,
  ];
}

function callerText(metadata: ReportMetadata): Text {
  const { caller } = metadata;
  if (caller === null) return 'not asked: no AWS call was made (template only)';
  return caller.status === 'read'
    ? [{ code: caller.arn }, ' (STS GetCallerIdentity)']
    : `not known: ${caller.reason}`;
}
