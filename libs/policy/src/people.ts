/**
 * Who the people are, from a copy of the identity registry: approval fixes them when an approval
 * opens, and the broker and the executor derive them again from their own copies to re-check it.
 */
export interface PeopleFacts {
  /** The person accountable for the requesting workload (registry `owner`); they may not approve it. */
  requesterOwner: string | undefined;
  /** Approver identity id -> person. Two identities of one person count once; unlisted ids are their own person. */
  personOf: Readonly<Record<string, string>>;
}

const nameOf = (identity: string): string => identity.slice(identity.indexOf(':') + 1);

/**
 * Everyone a request stands for, none of whom may approve it: the requesting workload itself, its
 * registered owner, and for an agent's run the human it acts for (issue 19: the person who set the
 * agent on the task is its asker). One rule for approval and for the broker's and executor's re-check.
 */
export function requesterPersonsOf(requester: string, people: PeopleFacts, agent?: { onBehalfOf: string }): string[] {
  const onBehalfOf = agent === undefined ? [] : [people.personOf[agent.onBehalfOf] ?? nameOf(agent.onBehalfOf)];
  return [nameOf(requester), ...(people.requesterOwner === undefined ? [] : [people.requesterOwner]), ...onBehalfOf];
}
