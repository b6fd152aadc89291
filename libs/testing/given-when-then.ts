import type { DomainError } from '../domain/shared/domain-error';

export type Decider<Command, Event, State, Context> = {
  decide: (command: Command, state: State, context: Context) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: State;
};

/**
 * given(events…).when(command).thenEmits(events…) | thenNothing() | thenFails(ErrorClass).
 * The context (clock, id generator) is built fresh for each spec so ids are predictable.
 */
export const specFor =
  <Command, Event, State, Context>(decider: Decider<Command, Event, State, Context>, makeContext: () => Context) =>
  (...history: Event[]) => ({
    when: (command: Command) => {
      const run = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState), makeContext());
      return {
        thenEmits: (...expected: Event[]) => expect(run()).toEqual(expected),
        thenNothing: () => expect(run()).toEqual([]),
        thenFails: (errorClass: new (...args: never[]) => DomainError, detail?: RegExp) => {
          expect(run).toThrow(errorClass);
          if (detail) expect(run).toThrow(detail);
        },
      };
    },
  });
