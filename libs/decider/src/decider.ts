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
 * How a decider's state of one long stream is written down between runs of a process, so it need
 * not be folded from the stream's first event (audit's log: all of its history). Pure: the shell
 * stores what `encode` returns as JSON, and uses a stored state only when `decode` accepts it.
 */
export interface StateCodec<State> {
  /** The encoding's version: a state written under another one is not used (the stream is folded whole). */
  version: number;
  /** Events folded between two written states. */
  every: number;
  encode(state: State): unknown;
  /** The state, or undefined when `json` is not one this codec wrote. */
  decode(json: unknown): State | undefined;
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

/** One handler per command type, each given its own command: the compiler refuses a type without one. */
export type CommandHandlers<Command extends { type: string }, State, Event> = {
  [Type in Command['type']]: (command: Extract<Command, { type: Type }>, state: State) => Event[];
};

/** A `decide` that hands each command to the handler of its type (the one dispatch every decider shares). */
export function byCommandType<Command extends { type: string }, State, Event>(
  handlers: CommandHandlers<Command, State, Event>,
): (command: Command, state: State) => Event[] {
  return (command, state) => {
    const handler = handlers[command.type as Command['type']] as ((command: Command, state: State) => Event[]) | undefined;
    if (!handler) throw new Error(`no handler for command ${command.type}`);
    return handler(command, state);
  };
}
