import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acknowledgements, acknowledgementVerdicts } from '../../compliance/acknowledgements.ts';
import {
  complianceSections,
  updateComplianceDoc,
  verdictText,
} from '../../compliance/compliance-doc.ts';
import { complianceProfileNames } from '../../compliance/profiles.ts';

const doc = readFileSync('docs/compliance.md', 'utf8');

describe('docs/compliance.md', () => {
  it('prints the profile table, WAF rules and acknowledgements as the code defines them (npm run docs:compliance)', () => {
    expect(updateComplianceDoc(doc)).toBe(doc);
  });

  it('has a row for every compliance profile', () => {
    for (const name of complianceProfileNames)
      expect(doc).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
  });

  it('gives every acknowledgement a verdict and a reason, and prints both', () => {
    for (const entry of acknowledgements) {
      expect(acknowledgementVerdicts, entry.resource).toContain(entry.verdict);
      expect(entry.reason.trim(), entry.resource).not.toBe('');
      expect(doc).toContain(`  ${verdictText[entry.verdict].label}: ${entry.reason}\n`);
    }
  });

  it('counts the acknowledgements by verdict', () => {
    const count = (verdict: string) => acknowledgements.filter((a) => a.verdict === verdict).length;
    expect(count('false_positive') + count('accepted')).toBe(acknowledgements.length);
    expect(doc).toContain(
      `${acknowledgements.length} acknowledgements: ${count('false_positive')} false positives (`,
    );
    expect(doc).toContain(`; ${count('accepted')} accepted risks (`);
  });

  it('refuses to render into a file without the section markers', () => {
    expect(() => updateComplianceDoc('# Compliance\n')).toThrow(/lacks the markers of 'profiles'/);
    expect(Object.keys(complianceSections())).toEqual([
      'profiles',
      'waf-rules',
      'acknowledgements',
    ]);
  });
});
