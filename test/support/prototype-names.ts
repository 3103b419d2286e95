/** Names a plain object answers from Object.prototype when it has no such key of its own. */
export const prototypeNames = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
] as const;

/** Indexes with it read a key: `x.__proto__` would read the prototype, and biome flags it. */
export const protoKey: string = '__proto__';
