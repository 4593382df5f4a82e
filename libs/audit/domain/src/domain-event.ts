/** An event as the deciders produce it; `id` is derived inside the decider with deterministicId. */
export interface DomainEvent<Type extends string, Data> {
  type: Type;
  id: string;
  data: Data;
}
