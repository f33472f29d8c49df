/**
 * An alert: something an operator should know now (a subject suspended, an incident opened, the
 * audit log failing verification). What it is and how it looks on each kind of webhook.
 *
 * Alerts leave the building: put in them what an on-call person needs (ids, counts, states),
 * never request content, end-user text or credentials.
 */
export type AlertSeverity = 'info' | 'warning' | 'critical';
export const alertSeverities: readonly AlertSeverity[] = ['info', 'warning', 'critical'];

export interface Alert {
  /** Noun-verb, e.g. `subject-suspended`, `incident-opened`. */
  kind: string;
  severity: AlertSeverity;
  /** One line. */
  title: string;
  text: string;
  at: Date;
  /** Flat facts (ids, counts, states), shown as fields. */
  details?: Record<string, string | number | boolean | null>;
}

export type AlertFormat = 'json' | 'slack';

/** The body a `json` target receives. */
export interface JsonAlertBody {
  kind: string;
  severity: AlertSeverity;
  title: string;
  text: string;
  /** ISO 8601, UTC. */
  at: string;
  details: Record<string, string | number | boolean | null>;
}

export function jsonAlertBody(alert: Alert): JsonAlertBody {
  return { kind: alert.kind, severity: alert.severity, title: alert.title, text: alert.text, at: alert.at.toISOString(), details: { ...alert.details } };
}

interface PlainText {
  type: 'plain_text';
  text: string;
  emoji: false;
}

export type SlackBlock = { type: 'section'; text: PlainText } | { type: 'section'; fields: PlainText[] } | { type: 'context'; elements: PlainText[] };

/** Slack's incoming-webhook body. */
export interface SlackAlertBody {
  /** The notification's text (and what clients without blocks show), escaped so it carries no links or mentions. */
  text: string;
  blocks: SlackBlock[];
}

// Slack's limits: a section's text 3,000 characters, 10 fields of 2,000, a context 10 elements.
const SECTION_CHARS = 3_000;
const FIELD_CHARS = 2_000;
const MAX_FIELDS = 10;

/**
 * Plain-text sections only: Slack does not parse links, mentions or markup in `plain_text`, so an
 * alert that quotes an attacker's id cannot ping a channel or plant a link.
 */
export function slackAlertBody(alert: Alert): SlackAlertBody {
  const plain = (text: string, max: number): PlainText => ({ type: 'plain_text', text: clip(text, max), emoji: false });
  const blocks: SlackBlock[] = [
    { type: 'section', text: plain(`${severityMark[alert.severity]} ${alert.title}`, SECTION_CHARS) },
    ...(alert.text === '' ? [] : [{ type: 'section' as const, text: plain(alert.text, SECTION_CHARS) }]),
  ];
  const fields = Object.entries(alert.details ?? {}).map(([name, value]) => plain(`${name}: ${value === null ? 'none' : String(value)}`, FIELD_CHARS));
  for (let index = 0; index < fields.length; index += MAX_FIELDS) blocks.push({ type: 'section', fields: fields.slice(index, index + MAX_FIELDS) });
  blocks.push({ type: 'context', elements: [plain(`${alert.kind} · ${alert.severity} · ${alert.at.toISOString()}`, FIELD_CHARS)] });
  return { text: escapeSlack(clip(`${severityMark[alert.severity]} ${alert.title}`, SECTION_CHARS)), blocks };
}

const severityMark: Record<AlertSeverity, string> = { info: '[info]', warning: '[warning]', critical: '[CRITICAL]' };

/** Slack's three control characters in `mrkdwn` text: escaped, no `<…>` link or mention survives. */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function renderAlert(alert: Alert, format: AlertFormat): string {
  return JSON.stringify(format === 'slack' ? slackAlertBody(alert) : jsonAlertBody(alert));
}
