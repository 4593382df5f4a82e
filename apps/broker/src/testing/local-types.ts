import { AcceptedRequestRecordedType, GrantIntendedType, ReceiptRecordedType } from '@countersign/broker-domain';
import { EARLY_APPROVAL, PARKED_APPROVAL } from '../broker.service';

/** Every local event type the broker's store holds (for the schedules' type checks). */
export const BROKER_LOCAL_TYPES: readonly string[] = [
  AcceptedRequestRecordedType,
  ReceiptRecordedType,
  GrantIntendedType,
  PARKED_APPROVAL,
  EARLY_APPROVAL,
];
