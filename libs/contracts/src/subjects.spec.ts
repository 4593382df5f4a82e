import { subjectMatches } from './subjects';

describe('subjectMatches, as NATS matches a filter subject', () => {
  it.each([
    ['cs.evt.>', 'cs.evt.intake.request.accepted.v1', true],
    ['cs.evt.>', 'cs.evt.intake', true],
    ['cs.evt.>', 'cs.evt', false],
    ['cs.evt.*.deadlettered', 'cs.evt.broker.deadlettered', true],
    ['cs.evt.*.deadlettered', 'cs.evt.broker.x.deadlettered', false],
    ['cs.evt.audit.audit.receipt.v1', 'cs.evt.audit.audit.receipt.v1', true],
    ['cs.evt.audit.audit.receipt.v1', 'cs.evt.audit.audit.receipt.v1.extra', false],
    ['cs.evt.audit.audit.receipt.v1', 'cs.evt.audit.audit', false],
  ])('%s takes %s: %s', (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected);
  });
});
