/** `npm run docs:compliance`: rewrites the generated sections of docs/compliance.md. */
import { readFile, writeFile } from 'node:fs/promises';
import { updateComplianceDoc } from './compliance-doc.ts';

const path = 'docs/compliance.md';
const current = await readFile(path, 'utf8');
const updated = updateComplianceDoc(current);
if (updated === current) {
  console.log(`${path} is up to date`);
} else {
  await writeFile(path, updated);
  console.log(`${path} updated`);
}
