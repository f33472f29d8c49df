import { domainToASCII } from 'node:url';
import type { DetectorHit, Evidence, Severity, Span } from '../../core/finding.js';
import type { VerbatimIndex } from '../verbatim-index.js';
import { comparableHost, type AllowedDomains } from './allowed-domains.js';
import { findDataInUrl, type DataInUrl } from './data-in-url.js';
import { nestedDestinations, resolveDestination, type Destination } from './destination.js';
import type { UrlConstruct } from './find-url-constructs.js';

/**
 * Scores on the shared risk scale (0.5: worth a warning; 0.8: worth stopping). An image to an
 * unknown host is fetched the moment the answer renders, with no click: the classic zero-click
 * channel, so it scores high. A link needs a click, so it scores at the warning point, higher
 * when its text hides where it goes, and higher still when its text names another address.
 */
export const constructScores = {
  externalImage: 0.9,
  externalImageWithData: 0.95,
  otherImage: 0.6,
  visibleLink: 0.5,
  hiddenLink: 0.6,
  deceptiveLink: 0.8,
} as const;

/** The compiled settings a verdict depends on. */
export interface VerdictSettings {
  allowed: AllowedDomains;
  images: 'flag_external' | 'flag_all' | 'off';
  links: 'flag_external' | 'off';
  dataInUrl: boolean;
  conversationMinChars: number;
}

/** Where a construct leads: its worst URL, following a nested URL when an allowed host would forward to an outside one. */
interface Judged {
  destination: Destination;
  external: boolean;
  /** The allowed host that forwards to `destination`. */
  via?: string;
}

type HitTemplate = Omit<DetectorHit, 'spans'>;

/** What a list of URLs comes to, computed once per distinct list in a text; the hits it yields are built once per kind of construct. */
export interface Verdict {
  judged: Judged;
  data: DataInUrl | undefined;
  templates: Map<string, readonly HitTemplate[]>;
}

function judgeUrls(urls: readonly string[], allowed: AllowedDomains): Judged {
  let fallback: Judged | undefined;
  for (const raw of urls) {
    const destination = resolveDestination(raw);
    if (destination.host === '') {
      fallback ??= { destination, external: false };
      continue;
    }
    if (!allowed.allows(destination.host)) return { destination, external: true };
    const onward = nestedDestinations(raw, destination).find((nested) => !allowed.allows(nested.host));
    if (onward !== undefined) return { destination: onward, external: true, via: destination.host };
    fallback = { destination, external: false };
  }
  return fallback ?? { destination: resolveDestination(''), external: false };
}

export function verdictOf(urls: readonly string[], options: { settings: VerdictSettings; conversation: () => VerbatimIndex | undefined }): Verdict {
  const { settings } = options;
  const judged = judgeUrls(urls, settings.allowed);
  const { destination } = judged;
  // A URL with fewer characters after its host than any signal needs cannot carry data (a long host label can, though).
  const roomForData = destination.rest >= Math.min(24, settings.conversationMinChars) || destination.host.length >= 28;
  const url = settings.dataInUrl && judged.external && roomForData ? destination.url() : undefined;
  return { judged, data: url === undefined ? undefined : findDataInUrl(url, { conversation: options.conversation }), templates: new Map() };
}

const shownAddress = /^\s*(?:[a-z][a-z0-9+.-]{0,31}:\/\/)?(?:www\.)?([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)(?:[/:?#]\S*)?\s*$/iu;

/** Whether a link's visible text names an address on another host than the one it leads to. */
function isDeceptive(text: string | undefined, host: string): boolean {
  // An address shown as link text is short; a longer text is not read as one (and bounds the pattern's work).
  if (text === undefined || text.length > 256) return false;
  const shown = shownAddress.exec(text.replace(/[*_`~]/g, ''));
  if (shown === null) return false;
  const shownHost = comparableHost(domainToASCII(shown[1] as string));
  if (shownHost === '' || !shownHost.includes('.')) return false;
  const target = host.startsWith('www.') ? host.slice(4) : host;
  return shownHost !== target && !target.endsWith(`.${shownHost}`);
}

/** The host as it may be logged: labels that carry data are left out. */
function loggedHost(host: string, data: DataInUrl | undefined): { host: string; redacted?: boolean } {
  if (data === undefined || data.hostLabels === 0) return { host };
  return { host: host.split('.').slice(data.hostLabels).join('.'), redacted: true };
}

function buildTemplates(options: { construct: UrlConstruct; verdict: Verdict; settings: VerdictSettings; deceptive: boolean }): HitTemplate[] {
  const { construct, settings, deceptive } = options;
  const { judged, data } = options.verdict;
  const image = construct.kind === 'image';
  const { host, redacted } = loggedHost(judged.destination.host, data);
  const where: Record<string, string | boolean> = { form: construct.form };
  if (construct.tag !== undefined) where.tag = construct.tag;
  if (host !== '') where.host = host;
  else where.relative = true;
  if (redacted === true) where.host_redacted = true;
  if (judged.via !== undefined) where.via = judged.via;
  const templates: HitTemplate[] = [];
  const label = image ? 'IMAGE' : 'LINK';
  const add = (category: string, score: number, severity: Severity, evidence: Evidence): void => {
    templates.push({ category, score, severity, evidence, label });
  };
  if (image && settings.images !== 'off') {
    if (judged.external) add('exfiltration.markdown_image', data === undefined ? constructScores.externalImage : constructScores.externalImageWithData, 'high', { ...where, allowed: false });
    else if (settings.images === 'flag_all') add('exfiltration.markdown_image', constructScores.otherImage, 'low', { ...where, allowed: true });
  }
  if (!image && settings.links !== 'off' && judged.external) {
    const visible = construct.form === 'bare' || construct.form === 'autolink';
    const score = deceptive ? constructScores.deceptiveLink : visible ? constructScores.visibleLink : constructScores.hiddenLink;
    add('exfiltration.link', score, deceptive ? 'high' : 'medium', deceptive ? { ...where, deceptive } : where);
  }
  if (data !== undefined) {
    const evidence: Record<string, string | number | boolean> = { ...where, kind: construct.kind, signals: data.signals.join(','), parts: data.parts.join(',') };
    if (data.conversationChars > 0) evidence.conversation_chars = data.conversationChars;
    add('exfiltration.data_in_url', data.score, data.signals.includes('conversation') ? 'high' : 'medium', evidence);
  }
  return templates;
}

/** The hits for one construct, given its URLs' verdict. */
export function constructHits(options: { construct: UrlConstruct; spans: Span[]; verdict: Verdict; settings: VerdictSettings }): DetectorHit[] {
  const { construct, verdict, settings } = options;
  const image = construct.kind === 'image';
  if (!verdict.judged.external && !(image && settings.images === 'flag_all')) return [];
  const deceptive = !image && verdict.judged.external && isDeceptive(construct.text, verdict.judged.destination.host);
  const key = `${construct.kind}|${construct.form}|${construct.tag ?? ''}|${deceptive}`;
  let templates = verdict.templates.get(key);
  if (templates === undefined) verdict.templates.set(key, (templates = buildTemplates({ construct, verdict, settings, deceptive })));
  return templates.map((template) => ({ ...template, spans: options.spans }));
}

/** Hits for a construct whose URLs were not resolved (past the per-text limit): images fail closed. */
export function unresolvedHits(options: { construct: UrlConstruct; spans: Span[]; settings: VerdictSettings }): DetectorHit[] {
  const { construct, spans, settings } = options;
  const evidence = { form: construct.form, unresolved: true };
  if (construct.kind === 'image') {
    return settings.images === 'off' ? [] : [{ category: 'exfiltration.markdown_image', score: constructScores.externalImage, severity: 'high', spans, evidence, label: 'IMAGE' }];
  }
  return settings.links === 'off' ? [] : [{ category: 'exfiltration.link', score: constructScores.visibleLink, severity: 'medium', spans, evidence, label: 'LINK' }];
}
