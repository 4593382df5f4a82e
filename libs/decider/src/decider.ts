/**
 * The shape every service's domain takes: pure functions, no I/O, no clock. Time and ids arrive in
 * the command; expected failures come out as events.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function fold<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}

/**
 * An event as a decider produces it. Its `id` is derived inside the decider from the cause
 * (deterministicId) or from a per-attempt claim id, so a redelivered message yields the very same
 * events and the shell stores and signs exactly what was decided.
 */
export interface DecidedEvent<Type extends string = string, Data = unknown> {
  type: Type;
  id: string;
  data: Data;
}

/** A decided event that carries its own time, which the shell signs as the envelope's `time`. */
export interface TimedEvent<Type extends string = string, Data = unknown> extends DecidedEvent<Type, Data> {
  time: string;
}
