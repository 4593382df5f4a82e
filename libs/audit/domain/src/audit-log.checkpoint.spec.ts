import { EventTypes, deterministicId, type Envelope } from '@countersign/contracts';
import { merkleRoot, recordLeafHash } from '@countersign/audit-chain';
import { DeciderSpecification } from '@countersign/decider/testing';
import { auditLogDecider, type AuditLogEvent, type AuditRecorded } from './audit-log';
import type { AuditCheckpointed } from './checkpoint';
import { envelope, fullChain, REQUEST_ID } from './testing/custody.fixtures';
import { GENESIS, appendRecord, type ChainHead } from './hash-chain';

const spec = DeciderSpecification(auditLogDecider);
const AT = '2026-11-21T10:01:00.000Z';
const LATER = '2026-11-21T10:02:00.000Z';
const { submitted, accepted, vote, approved } = fullChain();
const everyThree = { everyRecords: 3, everySeconds: 60 };

function chain(envelopes: Envelope[], from: ChainHead = GENESIS): AuditRecorded[] {
  let head = from;
  return envelopes.map((event) => {
    const data = appendRecord(head, event, AT);
    head = { sequence: data.sequence, hash: data.hash };
    return { type: EventTypes.AuditRecord, id: deterministicId(event.id, 'audit.record'), data };
  });
}
function checkpoint(records: AuditRecorded[], at = AT): AuditCheckpointed {
  const last = records.at(-1)!.data;
  return {
    type: EventTypes.AuditCheckpoint,
    id: deterministicId(last.hash, 'audit.checkpoint'),
    data: {
      origin: 'countersign.audit',
      treeSize: records.length,
      rootHash: merkleRoot(records.map((record) => recordLeafHash(record.data))),
      lastRecordHash: last.hash,
      checkpointAt: at,
    },
  };
}
const record = (event: Envelope, extra: object = {}) =>
  ({ type: 'RecordEvent', envelope: event, recordedAt: AT, checkpoints: everyThree, ...extra }) as const;
const tick = (now: string) => ({ type: 'PublishCheckpoint', now, checkpoints: everyThree }) as const;

describe('audit log: signed Merkle checkpoints', () => {
  const [first, second, third] = chain([submitted, accepted, vote]);

  it('signs a checkpoint over the tree in the same append as the record that completes N records', () => {
    spec
      .given([first!, second!])
      .when(record(vote))
      .then([third!, checkpoint([first!, second!, third!])]);
  });

  it('signs none before N records', () => {
    spec.given([first!]).when(record(accepted)).then([second!]);
  });

  it('counts N from the last checkpoint, not from the start', () => {
    const given: AuditLogEvent[] = [first!, second!, third!, checkpoint([first!, second!, third!])];
    const [fourth] = chain([approved], { sequence: 3, hash: third!.data.hash });
    const [, receipt] = auditLogDecider.decide(record(approved), given.reduce(auditLogDecider.evolve, auditLogDecider.initialState()));
    spec.given(given).when(record(approved)).then([fourth!, receipt!]);
  });

  it('signs on the timer once the interval passed with records not yet covered', () => {
    spec
      .given([first!])
      .when(tick(AT))
      .then([checkpoint([first!], AT)]);
    const covered = [first!, second!, third!, checkpoint([first!, second!, third!])];
    const [fourth] = chain([approved], { sequence: 3, hash: third!.data.hash });
    spec
      .given([...covered, fourth!])
      .when(tick('2026-11-21T10:01:59.999Z'))
      .thenNothingHappened();
    spec
      .given([...covered, fourth!])
      .when(tick(LATER))
      .then([checkpoint([first!, second!, third!, fourth!], LATER)]);
  });

  it('signs nothing on the timer when no record came since the last checkpoint, or none at all', () => {
    spec.given([]).when(tick(LATER)).thenNothingHappened();
    spec
      .given([first!, second!, third!, checkpoint([first!, second!, third!])])
      .when(tick('2026-11-22T00:00:00.000Z'))
      .thenNothingHappened();
  });

  it('never chains a checkpoint', () => {
    spec
      .given([first!])
      .when(record(envelope(submitted.id.replace('1', '9'), EventTypes.AuditCheckpoint, 'service:audit', AT, {})))
      .thenNothingHappened();
  });
});

describe('audit log: the submission an acceptance carries', () => {
  it('chains the verified submission before the acceptance when it was never recorded (an HTTP submission)', () => {
    spec
      .given([])
      .when(record(accepted, { submission: submitted, checkpoints: undefined }))
      .then(chain([submitted, accepted]));
  });

  it('signs a checkpoint over both records when the submission and its acceptance together complete N', () => {
    const both = chain([submitted, accepted]);
    spec
      .given([])
      .when(record(accepted, { submission: submitted, checkpoints: { everyRecords: 2, everySeconds: 60 } }))
      .then([...both, checkpoint(both)]);
  });

  it('does not chain it twice when the bus already delivered it', () => {
    const [first] = chain([submitted]);
    const [, second] = chain([submitted, accepted]);
    spec
      .given([first!])
      .when(record(accepted, { submission: submitted, checkpoints: undefined }))
      .then([second!]);
  });

  it('chains the submission a rejection carries too (an HTTP submission intake refused)', () => {
    const acceptedData = accepted.data as { submissionId: string; requester: string };
    const rejected = envelope(accepted.id.replace('1', '8'), EventTypes.RequestRejected, 'service:intake', AT, {
      requester: acceptedData.requester,
      submissionId: acceptedData.submissionId,
      errors: [{ path: 'action.target', code: 'unknown_target', message: 'not registered' }],
      rejectedAt: AT,
    });
    spec
      .given([])
      .when(record(rejected, { submission: submitted, checkpoints: undefined }))
      .then(chain([submitted, rejected]));
  });

  it('ignores a carried envelope that is not this acceptance’s submission by its requester', () => {
    const other = { ...submitted, signer: 'requester:mallory' };
    spec
      .given([])
      .when(record(accepted, { submission: other, checkpoints: undefined }))
      .then(chain([accepted]));
    spec
      .given([])
      .when(record(vote, { submission: submitted, checkpoints: undefined }))
      .then(chain([vote]));
  });
});

describe('audit log: findings, not violations', () => {
  const rejected = envelope('20000000-0000-4000-8000-000000000001', EventTypes.VoteRejected, 'service:approval', AT, {
    requestId: REQUEST_ID,
    voteId: '20000000-0000-4000-8000-000000000002',
    voter: 'approver:bob',
    via: 'signed',
    code: 'digest_mismatch',
    message: 'the vote names another digest',
  });
  const letter = (code: string) =>
    envelope('20000000-0000-4000-8000-000000000003', EventTypes.MessageDeadLettered, 'service:approval', AT, {
      consumer: 'approval-votes',
      stream: 'CS_VOTES',
      streamSequence: 7,
      subject: 'cs.vote.bob',
      deliveries: 1,
      code,
      message: 'event x was already received',
      claimedSigner: 'approver:bob',
      payloadSha256: 'a'.repeat(64),
      payloadBase64: '',
      deadLetteredAt: AT,
    });
  const finding = (event: Envelope, data: object): AuditLogEvent =>
    ({
      type: EventTypes.AuditFinding,
      id: deterministicId(event.id, 'audit.finding'),
      data: { ...data, eventId: event.id, detectedAt: AT },
    }) as AuditLogEvent;

  it('raises a vote_refused finding with the record of a refused vote', () => {
    spec
      .given([])
      .when(record(rejected, { checkpoints: undefined }))
      .then([
        ...chain([rejected]),
        finding(rejected, {
          kind: 'vote_refused',
          severity: 'medium',
          code: 'digest_mismatch',
          message: 'the vote names another digest',
          requestId: REQUEST_ID,
          signer: 'approver:bob',
        }),
      ]);
  });

  it('raises a replay finding for a replayed message and a high dead_letter finding for a forged one', () => {
    const replayed = letter('replayed_event');
    spec
      .given([])
      .when(record(replayed, { checkpoints: undefined }))
      .then([
        ...chain([replayed]),
        finding(replayed, {
          kind: 'replay',
          severity: 'medium',
          code: 'replayed_event',
          message: 'service:approval dead-lettered a message: event x was already received',
          signer: 'approver:bob',
        }),
      ]);
    const forged = letter('bad_signature');
    expect(auditLogDecider.decide(record(forged), auditLogDecider.initialState())[1]).toMatchObject({
      data: { kind: 'dead_letter', severity: 'high', code: 'bad_signature' },
    });
  });
});
