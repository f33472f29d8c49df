/** One named schema change. Names are global (`audit-001`, `keys-001`), so each store owns its own. */
export interface Migration {
  name: string;
  sql: string;
}
