import { abuseOverrideStoreContract } from './abuse-override-store-contract.js';
import { createMemoryAbuseOverrideStore } from './memory-abuse-override-store.js';

abuseOverrideStoreContract('memory', async () => {
  const store = createMemoryAbuseOverrideStore();
  return { store, replica: store, close: async () => {} };
});
