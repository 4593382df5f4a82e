import { loadCheckpointPolicy } from './checkpoint.config';

describe('audit checkpoint policy from the environment', () => {
  it('checkpoints every 256 records or 60 seconds by default', () => {
    expect(loadCheckpointPolicy({})).toStrictEqual({ everyRecords: 256, everySeconds: 60 });
  });

  it('takes both settings', () => {
    const env = { COUNTERSIGN_AUDIT_CHECKPOINT_RECORDS: '10', COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: '2' };
    expect(loadCheckpointPolicy(env)).toStrictEqual({ everyRecords: 10, everySeconds: 2 });
  });

  it('refuses to start on a value that is not a positive whole number, naming the variable', () => {
    expect(() => loadCheckpointPolicy({ COUNTERSIGN_AUDIT_CHECKPOINT_RECORDS: '0' })).toThrow(/COUNTERSIGN_AUDIT_CHECKPOINT_RECORDS/);
    expect(() => loadCheckpointPolicy({ COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: 'soon' })).toThrow(/COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS/);
  });
});
