import { GENESIS } from '@countersign/audit-chain';
import { EventTypes, type Envelope } from '@countersign/contracts';
import type { Verification } from '@countersign/identity';
import { judgeRecord } from './chain-check';

const checkpoint = (signer: string): Verification =>
  ({ ok: true, type: EventTypes.AuditCheckpoint, envelope: { signer, data: {} } as unknown as Envelope }) as Verification;

describe('judgeRecord and checkpoints', () => {
  it("acknowledges audit's own checkpoint without forwarding it (it is not a record)", () => {
    expect(judgeRecord(checkpoint('service:audit'), GENESIS)).toEqual({ kind: 'checkpoint' });
  });

  it('stops on a checkpoint anyone else signed', () => {
    expect(judgeRecord(checkpoint('service:intake'), GENESIS)).toEqual({
      kind: 'broken',
      problem: `${EventTypes.AuditCheckpoint} from service:intake is no audit record`,
    });
  });
});
