import { createMemoryRolloutStore } from './memory-rollout-store.js';
import { rolloutStoreContract } from './rollout-store-contract.js';

rolloutStoreContract('memory', async () => {
  const store = createMemoryRolloutStore();
  return { store, replica: store, close: async () => {} };
});
