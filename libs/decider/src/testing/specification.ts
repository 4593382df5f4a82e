import { fold, type Decider } from '../decider';

/**
 * given/when/then for deciders. Events are compared exactly and in order (unlike subset matching),
 * so an extra or reordered field fails the test.
 */
export function DeciderSpecification<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(history: readonly E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, fold(decider, history));
          return {
            then(expected: readonly E[]) {
              expect(run()).toStrictEqual(expected);
            },
            thenNothingHappened() {
              expect(run()).toStrictEqual([]);
            },
            thenThrows(match?: string | RegExp) {
              expect(run).toThrow(match);
            },
          };
        },
      };
    },
  };
}
