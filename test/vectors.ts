import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Published provider test vectors, kept in the repository so that a clone tests on its own:
 * each entry of official.json names its source (`src`); the two body files are the bodies
 * Adyen's and PagerDuty's published examples sign.
 */
const vectorsDir = fileURLToPath(new URL('./fixtures/vectors/', import.meta.url));

/** One entry of `official.json`, by name; the published values, untouched. */
// biome-ignore lint/suspicious/noExplicitAny: the vectors file is heterogeneous JSON read by tests
export function officialVector(name: string): any {
  const all = JSON.parse(readFileSync(`${vectorsDir}official.json`, 'utf8'));
  const vector = all.vectors[name];
  if (vector === undefined) throw new Error(`no vector named ${name}`);
  return vector;
}

/** A file that a vector refers to, as raw bytes. */
export function vectorFile(name: string): Buffer {
  return readFileSync(`${vectorsDir}${name}`);
}
