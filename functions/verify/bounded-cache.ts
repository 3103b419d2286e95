/**
 * A per-container memo that forgets its oldest entry once full. A warm Lambda sees the same
 * few header names and keys on every request, so each is prepared once; the bound keeps a
 * flood of invented names or rotated keys from growing memory.
 */
export class BoundedCache<Value> {
  readonly #entries = new Map<string, Value>();

  constructor(readonly capacity: number) {}

  /** The value for `key`, made by `make` on first use. An `undefined` result is not kept. */
  get(key: string, make: (key: string) => Value): Value {
    let value = this.#entries.get(key);
    if (value === undefined) {
      value = make(key);
      if (value !== undefined) {
        if (this.#entries.size >= this.capacity) {
          this.#entries.delete(this.#entries.keys().next().value as string);
        }
        this.#entries.set(key, value);
      }
    }
    return value;
  }
}
