import { domainToASCII } from 'node:url';
import { z } from 'zod';

/** Host names the policy trusts: exact hosts, and `*.example.com` for every sub-domain of example.com. */
export interface AllowedDomains {
  allows(host: string): boolean;
  readonly size: number;
}

const asciiHost = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const ipv6Literal = /^\[[0-9a-f:.]+\]$/;

/** A host as URL parsing leaves it, ready to compare: lower case, IDN in punycode, no trailing dot. */
export function comparableHost(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** Parses one allow-list entry; `undefined` when it is not a host name or `*.` pattern. */
function parsePattern(pattern: string): { host: string; subdomains: boolean } | undefined {
  const trimmed = pattern.trim().toLowerCase();
  const subdomains = trimmed.startsWith('*.');
  const name = subdomains ? trimmed.slice(2) : trimmed;
  if (!subdomains && ipv6Literal.test(name)) return { host: name, subdomains };
  // The same IDN processing URL parsing applies, so "bücher.example" allows what a link to it resolves to.
  const ascii = comparableHost(domainToASCII(name));
  if (ascii === '' || !asciiHost.test(ascii)) return undefined;
  return { host: ascii, subdomains };
}

/** The `allow_domains` setting: validated and compiled when the policy loads. */
export const allowedDomainsSchema = z
  .array(z.string())
  .default([])
  .transform((patterns, context): AllowedDomains => {
    const exact = new Set<string>();
    const parents = new Set<string>();
    patterns.forEach((pattern, index) => {
      const parsed = parsePattern(pattern);
      if (parsed === undefined) {
        context.addIssue({ code: 'custom', path: [index], message: `"${pattern}" is not a host name or a "*.example.com" pattern` });
        return;
      }
      (parsed.subdomains ? parents : exact).add(parsed.host);
    });
    return {
      size: exact.size + parents.size,
      allows(host: string): boolean {
        if (exact.has(host)) return true;
        if (parents.size === 0) return false;
        for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) if (parents.has(host.slice(dot + 1))) return true;
        return false;
      },
    };
  });
