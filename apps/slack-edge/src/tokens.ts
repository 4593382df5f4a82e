/** Nest injection tokens of the edge. */
export const SLACK_MESSAGES = Symbol('SLACK_MESSAGES');
export const SLACK_EDGE_CONFIG = Symbol('SLACK_EDGE_CONFIG');
