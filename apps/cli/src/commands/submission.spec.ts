import { buildSubmission, parseParameters, type SubmissionInput } from './submission';

const now = new Date('2026-11-21T10:00:00.000Z');
const newId = () => '6f1d3c2a-9b8e-4f70-a1c2-3d4e5f607182';
const base: SubmissionInput = {
  kind: 'http.request',
  target: 'billing-api',
  environment: 'staging',
  params: ['path=/v1/deploy'],
  reason: 'release 4.2',
};
const errorPaths = (input: SubmissionInput) => {
  const built = buildSubmission(input, now, newId);
  return built.ok ? [] : built.errors.map((error) => error.path);
};

describe('buildSubmission', () => {
  it('builds RequestSubmittedV1 data with a fresh request id', () => {
    expect(buildSubmission(base, now, newId)).toEqual({
      ok: true,
      value: {
        requestId: newId(),
        action: { kind: 'http.request', target: 'billing-api', environment: 'staging', parameters: { path: '/v1/deploy' } },
        reason: 'release 4.2',
      },
    });
  });

  it('adds amount, sensitivity and a window starting now', () => {
    const built = buildSubmission(
      { ...base, amount: '12500.00', currency: 'EUR', sensitivity: 'confidential', windowMinutes: 30, requestId: newId() },
      now,
      () => 'unused',
    );
    expect(built.ok && built.value.action).toMatchObject({
      amount: { value: '12500.00', currency: 'EUR' },
      dataSensitivity: 'confidential',
      window: { notBefore: '2026-11-21T10:00:00.000Z', notAfter: '2026-11-21T10:30:00.000Z' },
    });
  });

  it('names each invalid field with its contract path', () => {
    expect(errorPaths({ ...base, target: 'Billing API' })).toEqual(['action.target']);
    expect(errorPaths({ ...base, amount: '12500.00' })).toEqual(['action.amount.currency']);
    expect(errorPaths({ ...base, sensitivity: 'secret', reason: undefined })).toEqual(['action.dataSensitivity', 'reason']);
    expect(errorPaths({ ...base, kind: undefined, requestId: 'not-a-uuid' })).toEqual(['requestId', 'action.kind']);
  });

  it('reports bad parameters together with any other field errors', () => {
    expect(errorPaths({ ...base, params: ['novalue'], environment: 'PROD' })).toEqual(['action.parameters', 'action.environment']);
  });
});

describe('parseParameters', () => {
  it('layers --param pairs over --params-json and keeps values as strings', () => {
    expect(parseParameters(['retries=5', 'query=a=b'], '{"retries":3,"dryRun":true}')).toEqual({
      ok: true,
      value: { retries: '5', dryRun: true, query: 'a=b' },
    });
  });

  it('refuses JSON that is not an object', () => {
    const parsed = parseParameters([], '[1,2]');
    expect(parsed.ok ? undefined : parsed.errors[0]).toMatchObject({ path: 'action.parameters', code: 'invalid_params_json' });
    expect(parseParameters([], '{nope').ok).toBe(false);
  });
});
