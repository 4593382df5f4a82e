/**
 * The Cedar schema Countersign evaluates policies against: the entities and actions the approval
 * service builds for every request. Policies are validated against it when loaded, so a misspelt
 * attribute (`resource.enviroment`) fails the load instead of silently never matching.
 *
 * - `Requester::"<name>"` asks; `owner` is the person the registry says answers for it.
 * - `Approver::"<name>"` votes; it is `in` each `Group::"<group>"` of the JSON policy that lists it.
 * - `Policy::"<label>@<tier>"` is the policy itself, the identity that auto-approves.
 * - `Request::"<request id>"` is the action asked for; `amount` is a Cedar decimal (4 places).
 * - The context says how the JSON tiers routed the request.
 */
export const CEDAR_SCHEMA = `
entity Group;
entity Requester { owner?: String };
entity Approver in [Group] { person: String };
entity Policy { label: String, tier: String };
entity Request {
  kind: String,
  target: String,
  environment: String,
  amount?: decimal,
  currency?: String,
  dataSensitivity?: String,
  requester: Requester,
};
type Routing = { tier: String, breakGlass: Bool, reviewOverdue: Bool };
action Request appliesTo { principal: [Requester], resource: [Request], context: Routing };
action Approve appliesTo { principal: [Approver], resource: [Request], context: Routing };
action AutoApprove appliesTo { principal: [Policy], resource: [Request], context: Routing };
`;
