import { isOwnEnvelope } from './relay';
import { testEnvelope, testIdentities } from './testing/envelopes';

const { signers } = testIdentities(['service:intake', 'service:approval']);

describe('isOwnEnvelope', () => {
  it('accepts only envelopes signed by the relay’s identity', () => {
    expect(isOwnEnvelope(testEnvelope(signers['service:intake']!, 'own'), 'service:intake')).toBe(true);
    expect(isOwnEnvelope(testEnvelope(signers['service:approval']!, 'copy'), 'service:intake')).toBe(false);
  });

  it('leaves local-only data alone', () => {
    for (const data of [null, 'text', 42, { signer: 'service:intake' }, { at: 'later' }]) {
      expect(isOwnEnvelope(data, 'service:intake')).toBe(false);
    }
  });
});
