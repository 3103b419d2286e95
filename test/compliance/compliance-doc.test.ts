import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { complianceSections, updateComplianceDoc } from '../../compliance/compliance-doc.ts';
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

  it('refuses to render into a file without the section markers', () => {
    expect(() => updateComplianceDoc('# Compliance\n')).toThrow(/lacks the markers of 'profiles'/);
    expect(Object.keys(complianceSections())).toEqual([
      'profiles',
      'waf-rules',
      'acknowledgements',
    ]);
  });
});
