import type { ServiceRuntime } from '@countersign/service-runtime';
import { expectScheduleTypesComplete } from '@countersign/service-runtime/testing';
import { CustodyChecks } from './custody.checks';

describe("audit's custody index", () => {
  it('lists every type it reads, so the store may skip the others', () => {
    expectScheduleTypesComplete(new CustodyChecks({} as ServiceRuntime).schedule);
  });
});
