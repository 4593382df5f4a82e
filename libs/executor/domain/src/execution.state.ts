import { EventTypes, type ExecutionRefusedV1, type ExecutionStartedV1 } from '@countersign/contracts';
import type { ExecutionEvent } from './execution.events';

interface Claimed {
  startedEventId: string;
  started: ExecutionStartedV1;
}

/** One request's execution: never claimed, refused, claimed and running, or settled. */
export type ExecutionState =
  | { status: 'unclaimed' }
  | { status: 'refused'; refusal: ExecutionRefusedV1 }
  | ({ status: 'started' } & Claimed)
  | ({ status: 'succeeded' | 'failed' | 'in_doubt' } & Claimed);

export const initialExecutionState = (): ExecutionState => ({ status: 'unclaimed' });

export function evolveExecution(state: ExecutionState, event: ExecutionEvent): ExecutionState {
  switch (event.type) {
    case EventTypes.ExecutionStarted:
      return { status: 'started', startedEventId: event.id, started: event.data };
    case EventTypes.ExecutionRefused:
      return { status: 'refused', refusal: event.data };
    case EventTypes.ExecutionSucceeded:
      return settle(state, 'succeeded');
    case EventTypes.ExecutionFailed:
      return settle(state, 'failed');
    case EventTypes.ExecutionInDoubt:
      return settle(state, 'in_doubt');
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function settle(state: ExecutionState, status: 'succeeded' | 'failed' | 'in_doubt'): ExecutionState {
  if (state.status !== 'started') throw new Error(`execution settled as ${status} while ${state.status} (this is a bug)`);
  return { status, startedEventId: state.startedEventId, started: state.started };
}
