/** Time and identity are injected: nothing under libs/domain reads a clock or a random source itself. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}
