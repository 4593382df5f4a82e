/**
 * An event as the deciders produce it. `id` is derived inside the decider (deterministicId) or from
 * a per-attempt claim id, so the shell appends and signs exactly what was decided.
 */
export interface DomainEvent<Type extends string, Data> {
  type: Type;
  id: string;
  data: Data;
}
