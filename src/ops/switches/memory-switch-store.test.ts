import { createMemorySwitchStore } from './memory-switch-store.js';
import { switchStoreContract } from './switch-store-contract.js';

switchStoreContract('memory', async () => {
  const store = createMemorySwitchStore();
  return { store, replica: store, close: async () => {} };
});
