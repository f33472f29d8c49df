import { createMemoryReportStore } from './memory-report-store.js';
import { reportStoreContract } from './report-store-contract.js';

reportStoreContract('memory', async () => {
  const store = createMemoryReportStore();
  return { store, replica: store, close: async () => {} };
});
