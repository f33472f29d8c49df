import { incidentStoreContract } from './incident-store-contract.js';
import { createMemoryIncidentStore } from './memory-incident-store.js';

incidentStoreContract('memory', async () => {
  const store = createMemoryIncidentStore();
  return { store, replica: store, close: async () => {} };
});
