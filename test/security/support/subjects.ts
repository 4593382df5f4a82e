import { Consumers } from '@countersign/contracts';

/**
 * Whether NATS subject pattern `pattern` covers `subject` (which may itself hold wildcards, as a
 * subscription does): `>` covers one or more trailing tokens, `*` exactly one literal token.
 */
export function covers(pattern: string, subject: string): boolean {
  const wanted = pattern.split('.');
  const given = subject.split('.');
  for (const [index, token] of wanted.entries()) {
    const other = given[index];
    if (token === '>') return given.length > index;
    if (other === undefined) return false;
    if (token === '*') {
      if (other === '>') return false;
      continue;
    }
    if (token !== other) return false;
  }
  return wanted.length === given.length;
}

/** NATS semantics: allowed when an allow rule covers the subject and no deny rule does (deny wins). */
export function permitted(rules: { allow: readonly string[]; deny: readonly string[] }, subject: string): boolean {
  return rules.allow.some((rule) => covers(rule, subject)) && !rules.deny.some((rule) => covers(rule, subject));
}

/** The durable consumers that receive a message published on `subject`: each must refuse a forgery. */
export function consumersOf(subject: string): string[] {
  return Object.values(Consumers)
    .flat()
    .filter((consumer) => covers(consumer.filterSubject, subject))
    .map((consumer) => consumer.durable);
}
