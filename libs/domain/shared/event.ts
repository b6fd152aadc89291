/** A domain event as a decider emits it: an explicit type string and snake_case data. */
export type DomainEvent<Type extends string = string, Data extends object = object> = {
  readonly type: Type;
  readonly data: Data;
};
