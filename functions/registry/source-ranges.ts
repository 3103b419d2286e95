/**
 * A provider's source allowlist: the address ranges (IPv4 and IPv6 CIDRs) its deliveries may come
 * from. A delivery from anywhere else is refused before its signature is checked
 * (functions/ingest/pipeline.ts, reason `source_not_allowed`). The address matched is the one API
 * Gateway (or the function URL) saw, never a header the client sent.
 *
 * Ranges are held in one canonical spelling, so that a list compares, diffs and digests the same
 * however it was typed: the network address with no host bits set, IPv6 compressed and lower case.
 * A range wider than `minimumPrefix` is refused: a list is meant to restrict, and `0.0.0.0/0` or
 * `::/0` would let everyone in while looking like a control.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type AddressFamily = 'ipv4' | 'ipv6';

/**
 * The widest range a list may hold, per family: a /8 is 1/256 of the IPv4 space, a /24 is far
 * wider than any provider's published IPv6 block (GitHub's widest is a /29).
 */
export const minimumPrefix: Readonly<Record<AddressFamily, number>> = { ipv4: 8, ipv6: 24 };

/** Enough for any provider's published list; keeps the registry item far below 400 KB. */
export const maxSourceRanges = 1000;

const bits: Readonly<Record<AddressFamily, number>> = { ipv4: 32, ipv6: 128 };

/** A range in canonical form, or why `text` is not one. */
export type ParsedRange =
  | { readonly ok: true; readonly range: string; readonly family: AddressFamily }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads `text` as a CIDR range (`203.0.113.0/24`, `2001:db8::/32`); a bare address is a single
 * host (/32 or /128). Refused: anything else, a prefix wider than `minimumPrefix`, and host bits
 * set (`203.0.113.7/24` names no network: the message gives the one meant, `203.0.113.0/24`).
 */
export function parseSourceRange(text: string): ParsedRange {
  const trimmed = text.trim();
  const [address = '', prefixText, extra] = trimmed.split('/');
  const family: AddressFamily | undefined = isIPv4(address)
    ? 'ipv4'
    : isIPv6(address) && !address.includes('%')
      ? 'ipv6'
      : undefined;
  if (family === undefined || extra !== undefined) {
    return { ok: false, problem: `'${text}' is not an IPv4 or IPv6 address or CIDR range` };
  }
  const width = bits[family];
  const prefix =
    prefixText === undefined ? width : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (prefix < 0 || prefix > width) {
    return { ok: false, problem: `'${text}': the prefix length must be 0 to ${width}` };
  }
  if (prefix < minimumPrefix[family]) {
    return {
      ok: false,
      problem: `'${text}' is too wide: an allowlist must restrict, so ${family === 'ipv4' ? 'IPv4' : 'IPv6'} ranges must be /${minimumPrefix[family]} or narrower`,
    };
  }
  const value = addressValue(address, family);
  const network = value & ~((1n << BigInt(width - prefix)) - 1n);
  const mapped = family === 'ipv6' ? mappedOverlap(network, prefix) : undefined;
  // An IPv4-mapped address is matched as the IPv4 address it carries (sourceMatcher), so a
  // range inside ::ffff:0:0/96 is an IPv4 range misspelt, and one around it would allow every
  // IPv4 sender.
  if (mapped === 'inside') {
    return { ok: false, problem: `'${text}' is an IPv4-mapped IPv6 range: write the IPv4 range` };
  }
  if (mapped === 'around') {
    return {
      ok: false,
      problem: `'${text}' covers the IPv4-mapped range ::ffff:0:0/96, so it would allow every IPv4 address: write IPv4 ranges as IPv4`,
    };
  }
  const range = `${addressText(network, family)}/${prefix}`;
  if (network !== value) {
    return { ok: false, problem: `'${text}' has host bits set: did you mean ${range}?` };
  }
  return { ok: true, range, family };
}

/** ::ffff:0:0/96, where an IPv6 address carries an IPv4 one (RFC 4291, 2.5.5.2). */
const mappedNetwork = 0xffffn << 32n;
const mappedPrefix = 96;

/**
 * Whether the IPv6 network `network`/`prefix` lies inside the IPv4-mapped range, holds it, or
 * neither. Node's BlockList matches an IPv4 address against an IPv6 subnet holding its mapped
 * form, so `::/24` would match every IPv4 address.
 */
function mappedOverlap(network: bigint, prefix: number): 'inside' | 'around' | undefined {
  const shared = Math.min(prefix, mappedPrefix);
  if ((network ^ mappedNetwork) >> BigInt(bits.ipv6 - shared) !== 0n) return undefined;
  return prefix >= mappedPrefix ? 'inside' : 'around';
}

/** Every problem of `ranges` as a list, each naming the value; empty when it is valid. */
export function sourceRangeProblems(ranges: readonly string[], at = 'sources'): string[] {
  const problems: string[] = [];
  if (ranges.length > maxSourceRanges) {
    problems.push(`${at}: at most ${maxSourceRanges} ranges, got ${ranges.length}`);
  }
  for (const text of ranges) {
    const parsed = typeof text === 'string' ? parseSourceRange(text) : undefined;
    if (parsed === undefined) problems.push(`${at}: every range must be text`);
    else if (!parsed.ok) problems.push(`${at}: ${parsed.problem}`);
    else if (parsed.range !== text)
      problems.push(`${at}: '${text}' must be written ${parsed.range}`);
  }
  return problems;
}

/**
 * The canonical, sorted and de-duplicated form of `texts`, or every problem found. What the CLI
 * and the published-list refresher store.
 */
export function canonicalRanges(
  texts: readonly string[],
): { readonly ranges: string[] } | { readonly problems: string[] } {
  const problems: string[] = [];
  const ranges = new Set<string>();
  for (const text of texts) {
    const parsed = parseSourceRange(text);
    if (parsed.ok) ranges.add(parsed.range);
    else problems.push(parsed.problem);
  }
  if (ranges.size > maxSourceRanges) {
    problems.push(`at most ${maxSourceRanges} ranges, got ${ranges.size}`);
  }
  return problems.length > 0 ? { problems } : { ranges: [...ranges].sort(compareRanges) };
}

/** Whether an address lies in one of the ranges it was built from. */
export interface SourceMatcher {
  allows(address: string): boolean;
}

/**
 * A matcher over canonical `ranges` (as `sourceRangeProblems` accepts). An address that is not
 * an IP address is never allowed; an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is matched
 * as the IPv4 address it carries.
 */
export function sourceMatcher(ranges: readonly string[]): SourceMatcher {
  const list = new BlockList();
  for (const text of ranges) {
    const parsed = parseSourceRange(text);
    if (!parsed.ok) continue;
    const [network = '', prefix = ''] = parsed.range.split('/');
    list.addSubnet(network, Number(prefix), parsed.family);
  }
  return {
    allows(address: string): boolean {
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
      const plain = mapped ?? address;
      if (isIPv4(plain)) return list.check(plain, 'ipv4');
      if (isIPv6(plain) && !plain.includes('%')) return list.check(plain, 'ipv6');
      return false;
    },
  };
}

/** IPv4 before IPv6, then by network address, then narrower after wider. */
function compareRanges(a: string, b: string): number {
  const [addressA = '', prefixA = ''] = a.split('/');
  const [addressB = '', prefixB = ''] = b.split('/');
  const familyA: AddressFamily = isIPv4(addressA) ? 'ipv4' : 'ipv6';
  const familyB: AddressFamily = isIPv4(addressB) ? 'ipv4' : 'ipv6';
  if (familyA !== familyB) return familyA === 'ipv4' ? -1 : 1;
  const valueA = addressValue(addressA, familyA);
  const valueB = addressValue(addressB, familyB);
  if (valueA !== valueB) return valueA < valueB ? -1 : 1;
  return Number(prefixA) - Number(prefixB);
}

function addressValue(address: string, family: AddressFamily): bigint {
  if (family === 'ipv4') {
    return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
  }
  return ipv6Groups(address).reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** The eight 16-bit groups of a valid IPv6 address, an embedded IPv4 tail included. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros =
    rest === undefined
      ? []
      : new Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  return [...headGroups, ...zeros, ...restGroups].map((group) => Number.parseInt(group, 16));
}

function addressText(value: bigint, family: AddressFamily): string {
  if (family === 'ipv4') {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, index) =>
    Number((value >> BigInt(112 - index * 16)) & 0xffffn),
  );
  return compressIpv6(groups);
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function compressIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start += 1) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length += 1;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
