import type { ServiceRuntime } from '@countersign/service-runtime';
import { expectScheduleTypesComplete } from '@countersign/service-runtime/testing';
import { CustodyChecks } from './custody.checks';

describe("audit's custody index", () => {
  const { schedule } = new CustodyChecks({} as ServiceRuntime);

  it('lists every type it reads, so the store may skip the others', () => {
    expectScheduleTypesComplete(schedule);
  });

  it('runs no check until it has caught up with the log: a check decides on the evidence it holds', () => {
    expect(schedule.waitsForCatchUp).toBe(true);
  });
});
