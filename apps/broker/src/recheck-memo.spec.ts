import type { ApprovalFacts } from '@countersign/approval-evidence';
import type { Envelope, RequestAcceptedV1, RequestApprovedV1 } from '@countersign/contracts';
import { TrustStore } from '@countersign/identity';
import { RecheckMemo } from './recheck-memo';

const trust = () => new TrustStore({ version: 1, environment: 'test', identities: [] });
const envelope = <T>(id: string, signature: string) => ({ id, signature }) as unknown as Envelope<T>;
const accepted = envelope<RequestAcceptedV1>('accepted-1', 'a'.repeat(86));
const approval = (id = 'approval-1', signature = 'b'.repeat(86)) => envelope<RequestApprovedV1>(id, signature);
const facts = (label: string) => ({ label }) as unknown as ApprovalFacts;

describe('RecheckMemo', () => {
  it('gives the facts of the first check to the retry of the same approval under the same trust store', () => {
    const memo = new RecheckMemo();
    const store = trust();
    const compute = jest.fn(() => facts('first'));
    expect(memo.factsFor(accepted, approval(), store, compute)).toEqual(facts('first'));
    expect(memo.factsFor(accepted, approval(), store, () => facts('second'))).toEqual(facts('first'));
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('checks again after a trust reload: facts checked under the old keys are not reused', () => {
    const memo = new RecheckMemo();
    memo.factsFor(accepted, approval(), trust(), () => facts('old keys'));
    expect(memo.factsFor(accepted, approval(), trust(), () => facts('new keys'))).toEqual(facts('new keys'));
  });

  it('checks again when either envelope differs from the one checked (by signature)', () => {
    const memo = new RecheckMemo();
    const store = trust();
    memo.factsFor(accepted, approval(), store, () => facts('first'));
    expect(memo.factsFor(accepted, approval('approval-1', 'c'.repeat(86)), store, () => facts('other approval'))).toEqual(
      facts('other approval'),
    );
    const otherAccepted = envelope<RequestAcceptedV1>('accepted-1', 'd'.repeat(86));
    expect(memo.factsFor(otherAccepted, approval('approval-1', 'c'.repeat(86)), store, () => facts('other accepted'))).toEqual(
      facts('other accepted'),
    );
  });

  it('forgets an answered approval, and keeps at most its size, the oldest going first', () => {
    const memo = new RecheckMemo(2);
    const store = trust();
    memo.factsFor(accepted, approval('one'), store, () => facts('one'));
    memo.forget('one');
    expect(memo.factsFor(accepted, approval('one'), store, () => facts('one again'))).toEqual(facts('one again'));
    memo.factsFor(accepted, approval('two'), store, () => facts('two'));
    memo.factsFor(accepted, approval('three'), store, () => facts('three'));
    expect(memo.factsFor(accepted, approval('one'), store, () => facts('recomputed'))).toEqual(facts('recomputed'));
    expect(memo.factsFor(accepted, approval('three'), store, () => facts('not again'))).toEqual(facts('three'));
  });
});
