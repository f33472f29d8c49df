import { createMemoryPolicyVersionStore } from './memory-policy-version-store.js';
import { policyVersionStoreContract } from './policy-version-store-contract.js';

policyVersionStoreContract('memory', async () => {
  const store = createMemoryPolicyVersionStore();
  return { store, replica: store, close: async () => {} };
});
