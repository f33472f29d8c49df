import { isIP } from 'node:net';
import type { ArgumentCheck } from './tool-policy-schema.js';

/**
 * The built-in argument checks of tool rules. Each says why a value is refused, or returns
 * undefined for a value it lets through. They look at the value only: a host name that resolves
 * to a private address cannot be seen here (no DNS at decision time); a tool that fetches URLs
 * must still refuse private addresses after resolving.
 */

/** Characters a shell gives meaning to: chaining, substitution, redirection, globbing, newlines. */
const shellMetacharacters = /[;&|`$<>(){}[\]*?!~#\\\n\r]/;

function checkShell(value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains a NUL character';
  const found = shellMetacharacters.exec(value);
  return found === null ? undefined : `contains the shell metacharacter ${JSON.stringify(found[0])}`;
}

/** Names that reach the machine itself or a cloud's instance metadata. */
const blockedHostNames = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback', 'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);
const blockedHostSuffixes = ['.localhost', '.internal', '.local', '.home.arpa'];

/** IPv4 ranges that are not the public internet, as [first octets, prefix length]. */
const privateV4: readonly (readonly [number, number])[] = [
  [0x00000000, 8], // "this network"
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT (100.64/10, also Alibaba's metadata address)
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local, cloud metadata (169.254.169.254)
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

function v4Number(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function isPrivateV4(address: string): boolean {
  const value = v4Number(address);
  return privateV4.some(([base, bits]) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
}

/** The 16-bit groups of an IPv6 address (`::` expanded, an embedded IPv4 tail converted). */
function v6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail?.[1] !== undefined) {
    const value = v4Number(v4Tail[1]);
    text = `${text.slice(0, -v4Tail[1].length)}${Math.floor(value / 65536).toString(16)}:${(value % 65536).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16));
}

function isPrivateV6(address: string): boolean {
  const groups = v6Groups(address);
  const [first = 0] = groups;
  if (groups.slice(0, 7).every((group) => group === 0) && (groups[7] === 0 || groups[7] === 1)) return true; // :: and ::1
  // IPv4-mapped and IPv4-compatible addresses: judge the IPv4 address inside.
  if (groups.slice(0, 5).every((group) => group === 0) && (groups[5] === 0xffff || groups[5] === 0)) {
    const high = groups[6] ?? 0;
    const low = groups[7] ?? 0;
    return isPrivateV4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  if ((first & 0xfe00) === 0xfc00) return true; // unique local, incl. AWS's fd00:ec2::254
  if ((first & 0xffc0) === 0xfe80) return true; // link-local
  if ((first & 0xff00) === 0xff00) return true; // multicast
  if (first === 0x2001 && groups[1] === 0x0db8) return true; // documentation
  return false;
}

/**
 * WHATWG URL parsing turns the IPv4 spellings that fool naive checks (2130706433, 0x7f.1,
 * 0177.0.0.1) into dotted quads, so the checks below see the real address.
 */
function checkUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `uses the ${url.protocol.replace(':', '')} scheme (only http and https are allowed)`;
  if (url.username !== '' || url.password !== '') return 'carries credentials in the URL';
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === '') return 'has no host';
  const kind = isIP(host);
  if (kind === 4 && isPrivateV4(host)) return `points at the non-public address ${host}`;
  if (kind === 6 && isPrivateV6(host)) return `points at the non-public address ${host}`;
  if (kind === 0 && (blockedHostNames.has(host) || blockedHostSuffixes.some((suffix) => host.endsWith(suffix)))) return `points at the internal host ${host}`;
  return undefined;
}

function checkPath(value: string): string | undefined {
  let decoded = value;
  // Undo URL encoding (twice, for double encoding) so %2e%2e%2f is seen as ../.
  for (let round = 0; round < 2; round++) {
    try {
      const next = decodeURIComponent(decoded);
      if (next === decoded) break;
      decoded = next;
    } catch {
      break;
    }
  }
  if (decoded.includes('\u0000')) return 'contains a NUL character';
  if (decoded.split(/[/\\]/).some((segment) => segment === '..')) return 'climbs out of its directory ("..")';
  if (/^(?:[/\\]|[A-Za-z]:[/\\]|~)/.test(decoded)) return 'is an absolute path';
  return undefined;
}

const checks: Readonly<Record<ArgumentCheck, (value: string) => string | undefined>> = {
  shell_metacharacters: checkShell,
  private_network_url: checkUrl,
  path_traversal: checkPath,
};

/** Why `value` fails `check`, or undefined when it passes. */
export function runArgumentCheck(check: ArgumentCheck, value: string): string | undefined {
  return checks[check](value);
}
