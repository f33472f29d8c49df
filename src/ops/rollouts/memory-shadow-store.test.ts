import { createMemoryShadowStore } from './memory-shadow-store.js';
import { shadowStoreContract } from './shadow-store-contract.js';

shadowStoreContract('memory', async (options) => {
  const store = createMemoryShadowStore(options);
  return { store, replica: store, close: async () => {} };
});
