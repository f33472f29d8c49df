import { approvalStoreContract } from './approval-store-contract.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';

approvalStoreContract('memory', async () => {
  const store = createMemoryApprovalStore();
  return { store, replica: store, close: async () => {} };
});
