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
