import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared folder of published provider test vectors, beside the project checkout. */
const vectorsDir = fileURLToPath(new URL('../../shared/vectors/', import.meta.url));

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
