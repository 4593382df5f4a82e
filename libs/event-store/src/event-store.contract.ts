import { describeAppendContract } from './contract/append.contract';
import type { ContractContext, EventStoreUnderTest } from './contract/contract-helpers';
import { describeLiveContract } from './contract/live.contract';
import { describeReadContract } from './contract/read.contract';

export type { EventStoreUnderTest } from './contract/contract-helpers';

/**
 * The one behaviour both adapters promise. Each test gets a fresh store from `factory` and calls
 * its `cleanup` afterwards. Tests only look at streams they created, so the suite also runs
 * against a shared server that already holds other events.
 */
export function describeEventStoreContract(name: string, factory: () => Promise<EventStoreUnderTest>): void {
  describe(`${name} — event store contract`, () => {
    let current: EventStoreUnderTest | undefined;
    const context: ContractContext = {
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
    describeReadContract(context);
    describeLiveContract(context);
  });
}
