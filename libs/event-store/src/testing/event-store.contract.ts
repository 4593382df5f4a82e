import { describeAppendContract } from './contract/append.contract';
import { describeCaughtUpContract } from './contract/caught-up.contract';
import type { ContractCapabilities, ContractContext, EventStoreUnderTest } from './contract/contract-helpers';
import { describeForeignContract } from './contract/foreign.contract';
import { describeIdentityContract } from './contract/identity.contract';
import { describeLiveContract } from './contract/live.contract';
import { describeReadContract } from './contract/read.contract';

export type { ContractCapabilities, EventStoreUnderTest, ForeignWriter } from './contract/contract-helpers';

/**
 * The one behaviour both adapters promise. Each test gets a fresh store from `factory` and calls
 * its `cleanup` afterwards. Tests only look at streams they created, so the suite also runs
 * against a shared server that already holds other events.
 */
export function describeEventStoreContract(
  name: string,
  factory: () => Promise<EventStoreUnderTest>,
  capabilities: ContractCapabilities = {},
): void {
  describe(`${name} — event store contract`, () => {
    let current: EventStoreUnderTest | undefined;
    const context: ContractContext = {
      capabilities,
      get() {
        if (!current) throw new Error('the store under test is only available inside a test');
        return current;
      },
    };

    beforeEach(async () => {
      current = await factory();
    });

    afterEach(async () => {
      const finished = current;
      current = undefined;
      await finished?.cleanup();
    });

    describeAppendContract(context);
    describeIdentityContract(context);
    describeReadContract(context);
    describeForeignContract(context);
    describeLiveContract(context);
    describeCaughtUpContract(context);
  });
}
