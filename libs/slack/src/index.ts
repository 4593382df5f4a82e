export { approvalCard, type CardModel, type CardVote, type SlackCard } from './card';
export { BUTTON_VALUE_MAX_LENGTH, CARD_IDS, decodeDecisionValue, encodeDecisionValue, REASON_MAX_LENGTH } from './card-ids';
export { SLACK_LIMITS } from './card-text';
export {
  BlockActionsPayload,
  parseInteractionForm,
  parseVoteClick,
  type InteractionError,
  type InteractionForm,
  type VoteClick,
  type VoteClickParse,
} from './interaction';
export type { SlackLogger } from './logger';
export { escapeMrkdwn } from './mrkdwn';
export {
  SLACK_SIGNATURE_WINDOW_SECONDS,
  signSlackRequest,
  verifySlackSignature,
  type SlackSignatureCheck,
  type SlackSignatureRefusal,
  type VerifySlackSignatureInput,
} from './signature';
export { startSocketMode, type SocketModeConnection, type SocketModeOptions, type SocketReply } from './socket-mode';
export { SlackApiError, slackWebApi, type SlackMessages, type SlackWebApiOptions } from './web-api';
