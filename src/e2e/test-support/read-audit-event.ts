import { z } from 'zod';

/** The fields of a `request` audit event the end-to-end tests read; the rest passes through. */
const auditEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.number().optional(),
    action: z.string().optional(),
    model: z.string().optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .loose();

export type AuditEventJson = z.output<typeof auditEventSchema>;

const pageSchema = z.object({ data: z.array(auditEventSchema) }).loose();

/**
 * The audit event of one request, read through the admin API (`GET /admin/v1/audit/events?id=`)
 * as an operator would, so a test sees exactly what the log holds; `undefined` when there is none.
 */
export async function readAuditEvent(gateway: { url: string; key: string }, requestId: string): Promise<AuditEventJson | undefined> {
  const response = await fetch(`${gateway.url}/admin/v1/audit/events?id=${encodeURIComponent(requestId)}`, { headers: { authorization: `Bearer ${gateway.key}` } });
  if (response.status !== 200) throw new Error(`the audit API answered ${response.status}: ${await response.text()}`);
  const page = pageSchema.parse(await response.json());
  return page.data[0];
}

/** The request id a response carries (`x-palisade-request-id`); throws when it is missing. */
export function requestIdOf(response: { headers: { get(name: string): string | null } }): string {
  const id = response.headers.get('x-palisade-request-id');
  if (id === null || id === '') throw new Error('the response has no x-palisade-request-id header');
  return id;
}
