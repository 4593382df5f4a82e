/** Test-only exports: a local stand-in for Slack, and requests shaped like Slack's. */
export { startSlackStandIn, type SlackStandIn, type SlackStandInOptions } from './stand-in';
export type { SocketDelivery, SocketInteractionOptions } from './socket-side';
export type { StandInCall, StandInEphemeral, StandInMessage } from './web-api-methods';
export { blockActionsPayload, signedInteractionRequest, type BlockActionsInput } from './payloads';
