import { canonicalJson, EVENT_TYPES, sha256Hex } from '@countersign/contracts';
import { FIXTURE_EVENT_TYPES, fixtureAuditRecords, validateOcsf } from '../testing';
import { renderOcsf } from './render';

describe('OCSF rendering of audit records', () => {
  const records = fixtureAuditRecords();

  it('has a fixture for every event type audit can chain', () => {
    // A checkpoint is signed next to the records, never chained as one; a run attestation travels inside its submission.
    const notChained = ['countersign.audit.record.v1', 'countersign.audit.checkpoint.v1', 'countersign.run.attested.v1'];
    const chainable = Object.keys(EVENT_TYPES).filter((type) => !notChained.includes(type));
    expect([...FIXTURE_EVENT_TYPES].sort()).toEqual(chainable.sort());
  });

  it.each(records.map((record) => [record.event.type as string, record] as const))(
    'renders %s as a valid OCSF 1.8.0 record',
    (_type, record) => {
      const ocsf = renderOcsf(record);
      expect(validateOcsf(ocsf)).toEqual([]);
      expect(ocsf.type_uid).toBe(ocsf.class_uid * 100 + ocsf.activity_id);
      expect(ocsf.metadata).toMatchObject({ version: '1.8.0', product: { name: 'Countersign' }, sequence: record.sequence });
      expect(ocsf.time).toBe(Date.parse(record.event.time as string));
    },
  );

  it('keeps what ties each rendering back to the chain: sequence, record hash and the signed event digest', () => {
    for (const record of records) {
      const countersign = (renderOcsf(record).unmapped as { countersign: Record<string, unknown> }).countersign;
      expect(countersign).toMatchObject({
        audit_sequence: record.sequence,
        record_hash: record.hash,
        previous_hash: record.previousHash,
        event_id: record.event.id,
        event_sha256: sha256Hex(canonicalJson(record.event)),
      });
    }
  });

  it.each([
    ['countersign.credential.issued.v1', 300301],
    ['countersign.credential.revoked.v1', 300502],
    ['countersign.grant.revoked.v1', 300502],
    ['countersign.request.submitted.v1', 600301],
    ['countersign.vote.cast.v1', 600303],
    ['countersign.request.approved.v1', 300403],
    ['countersign.execution.succeeded.v1', 600399],
    ['countersign.audit.violation.v1', 200401],
    ['countersign.audit.finding.v1', 200401],
    ['countersign.review.completed.v1', 200403],
    ['countersign.custody.verified.v1', 600302],
  ])('maps %s to type_uid %d', (type, typeUid) => {
    const record = records.find((candidate) => candidate.event.type === type)!;
    expect(renderOcsf(record).type_uid).toBe(typeUid);
  });

  it('leaves bulky fields out and names them (the sealed credential, a dead letter payload)', () => {
    const issued = records.find((record) => record.event.type === 'countersign.credential.issued.v1')!;
    const countersign = (renderOcsf(issued).unmapped as { countersign: { data: object; omitted: string[] } }).countersign;
    expect(countersign.omitted).toEqual(['sealed']);
    expect(countersign.data).not.toHaveProperty('sealed');
  });

  it('renders a type it does not know (a newer finding) as a valid record instead of dropping it', () => {
    const [record] = fixtureAuditRecords(1);
    const finding = { ...record!, event: { ...record!.event, type: 'countersign.vote.finding.v1', data: { severityId: 2 } } };
    const other = { ...record!, event: { ...record!.event, type: 'countersign.something.new.v1' } };
    expect(renderOcsf(finding)).toMatchObject({ class_uid: 2004, severity_id: 2 });
    expect(renderOcsf(other)).toMatchObject({ class_uid: 6003, activity_id: 99, activity_name: 'countersign.something.new.v1' });
    expect([...validateOcsf(renderOcsf(finding)), ...validateOcsf(renderOcsf(other))]).toEqual([]);
  });

  describe('the validator catches what it claims to', () => {
    const valid = () => structuredClone(renderOcsf(records[0]!)) as Record<string, unknown>;
    it.each([
      ['a wrong type_uid', (e: Record<string, unknown>) => (e.type_uid = 600302), 'type_uid'],
      ['a missing required attribute', (e: Record<string, unknown>) => delete e.actor, 'actor'],
      ['a caption that does not match its id', (e: Record<string, unknown>) => (e.severity = 'High'), 'severity'],
      ['an unknown enum id', (e: Record<string, unknown>) => (e.severity_id = 7), 'severity_id'],
      ['time in seconds', (e: Record<string, unknown>) => (e.time = 1_763_719_200), 'time'],
      [
        'another metadata.version',
        (e: Record<string, unknown>) => ((e.metadata as Record<string, unknown>).version = '1.9.0'),
        'metadata.version',
      ],
      ['no metadata.product', (e: Record<string, unknown>) => delete (e.metadata as Record<string, unknown>).product, 'metadata.product'],
      ['an unknown attribute', (e: Record<string, unknown>) => (e.is_alert = true), 'is_alert'],
      [
        'an object without its required attribute',
        (e: Record<string, unknown>) => delete (e.api as Record<string, unknown>).operation,
        'api.operation',
      ],
    ])('%s', (_name, mutate, path) => {
      const event = valid();
      mutate(event);
      expect(validateOcsf(event).map((problem) => problem.path)).toContain(path);
    });

    it('refuses a class that does not exist in 1.8.0 (User Management 3007)', () => {
      expect(validateOcsf({ ...valid(), class_uid: 3007 })[0]?.path).toBe('class_uid');
    });
  });
});
