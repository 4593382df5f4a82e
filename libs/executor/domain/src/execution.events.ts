import type {
  EventTypes,
  ExecutionFailedV1,
  ExecutionInDoubtV1,
  ExecutionRefusedV1,
  ExecutionStartedV1,
  ExecutionSucceededV1,
} from '@countersign/contracts';
import type { DomainEvent } from './domain-event';

/**
 * The claim and its result. The shell appends the first event with expected revision 'no_stream',
 * so of two executors racing for one request exactly one claim (or refusal) is written.
 */
const EXECUTION_PREFIX = 'execution-';
export const executionStream = (requestId: string): string => `${EXECUTION_PREFIX}${requestId}`;
/** The request an execution stream belongs to, or undefined for any other stream. */
export const requestIdOfExecutionStream = (stream: string): string | undefined =>
  stream.startsWith(EXECUTION_PREFIX) ? stream.slice(EXECUTION_PREFIX.length) : undefined;

export type ExecutionStarted = DomainEvent<typeof EventTypes.ExecutionStarted, ExecutionStartedV1>;
export type ExecutionRefused = DomainEvent<typeof EventTypes.ExecutionRefused, ExecutionRefusedV1>;
export type ExecutionSucceeded = DomainEvent<typeof EventTypes.ExecutionSucceeded, ExecutionSucceededV1>;
export type ExecutionFailed = DomainEvent<typeof EventTypes.ExecutionFailed, ExecutionFailedV1>;
export type ExecutionInDoubt = DomainEvent<typeof EventTypes.ExecutionInDoubt, ExecutionInDoubtV1>;

export type ExecutionEvent = ExecutionStarted | ExecutionRefused | ExecutionSucceeded | ExecutionFailed | ExecutionInDoubt;
