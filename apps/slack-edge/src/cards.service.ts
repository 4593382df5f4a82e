import { Inject, Injectable } from '@nestjs/common';
import { errorMessage, EventTypes } from '@countersign/contracts';
import { cardDecider, cardStream, cardWork, type CardState, type ObservedApprovalEvent } from '@countersign/slack-edge-domain';
import { approvalCard, type CardModel, type SlackMessages } from '@countersign/slack';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import type { SlackEdgeConfig } from './slack.config';
import { SLACK_EDGE_CONFIG, SLACK_MESSAGES } from './tokens';

/**
 * Keeps each request's Slack card in step with approval's events. The event is recorded in the
 * edge's store before Slack is called, and the card is synced from the stored state, so a Slack
 * outage only delays the card: the redelivered event finds the state recorded and syncs again.
 */
@Injectable()
export class CardsService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SLACK_MESSAGES) private readonly slack: SlackMessages,
    @Inject(SLACK_EDGE_CONFIG) private readonly config: SlackEdgeConfig,
  ) {}

  async observe(event: ObservedApprovalEvent): Promise<void> {
    const stream = cardStream(event.data.requestId);
    await this.runtime.runner.run(cardDecider, stream, { type: 'ObserveApproval', event }, { id: event.id, now: this.runtime.clock() });
    const state = await this.sync(event.data.requestId);
    if (event.type === EventTypes.VoteRejected) await this.tellVoter(state, event.data.voteId, event.data.message);
  }

  /** Posts or updates the card so it shows the recorded state; returns that state. */
  async sync(requestId: string): Promise<CardState> {
    const stream = cardStream(requestId);
    const state = await this.runtime.runner.load(cardDecider, stream);
    const work = cardWork(state);
    if (!work) return state;
    const card = approvalCard(cardModel(state));
    const cause = { id: `slack-sync:${requestId}:${state.version}`, now: this.runtime.clock() };
    if (work === 'post') {
      const { channel, ts } = await this.slack.post(this.config.channelId, card);
      await this.runtime.runner.run(
        cardDecider,
        stream,
        { type: 'RecordCardPosted', requestId, channel, ts, version: state.version },
        cause,
      );
    } else if (state.posted) {
      await this.slack.update(state.posted.channel, state.posted.ts, card);
      await this.runtime.runner.run(cardDecider, stream, { type: 'RecordCardUpdated', requestId, version: state.version }, cause);
    }
    return this.runtime.runner.load(cardDecider, stream);
  }

  /** Approval refused a vote this edge relayed: say why to the person who clicked. Best effort. */
  private async tellVoter(state: CardState, voteId: string, message: string): Promise<void> {
    const clicker = state.relayed[voteId];
    if (!clicker || !state.posted) return;
    await this.notify(state.posted.channel, clicker.userId, `Your vote was not counted: ${message}`);
  }

  async notify(channel: string, userId: string, text: string): Promise<void> {
    try {
      await this.slack.postEphemeral(channel, userId, text);
    } catch (error) {
      this.runtime.logger.warn(`could not tell ${userId} in Slack: ${errorMessage(error)}`);
    }
  }
}

export function cardModel(state: CardState): CardModel {
  if (!state.requested) throw new Error('a card needs the approval request');
  return {
    requested: state.requested,
    approvals: state.approvals,
    votes: state.votes,
    ...(state.escalation ? { escalation: state.escalation } : {}),
    ...(state.outcome ? { outcome: state.outcome } : {}),
  };
}
