/**
 * A child process for the durability test: appends audit events to the SQLite file named by
 * its first argument, in concurrent waves, and prints `ack <event id>` for each append that
 * resolved, until it is killed (or has written 100,000 events).
 */
import { createAuditWriter } from '../../../audit/audit-writer.js';
import { requestEvent } from '../../../audit/test-support/audit-fixtures.js';
import { openSqlite } from '../open-sqlite.js';
import { createSqliteAuditStore } from '../sqlite-audit-store.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: append-audit-events <sqlite file>');
const db = openSqlite({ path });
const writer = createAuditWriter({ store: createSqliteAuditStore(db), anchorEvery: { events: 50, ms: 1000 } });

for (let wave = 0; wave < 5000; wave += 1) {
  await Promise.all(
    Array.from({ length: 20 }, async (_, index) => {
      const chained = await writer.append(requestEvent(wave * 20 + index));
      process.stdout.write(`ack ${chained.event.id}\n`);
    }),
  );
}
await writer.close();
db.close();
