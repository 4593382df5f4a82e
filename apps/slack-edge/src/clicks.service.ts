import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type FieldError } from '@countersign/contracts';
import { approverForSlackUser } from '@countersign/identity';
import { parseVoteClick, type VoteClick } from '@countersign/slack';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { cardDecider, cardStream, CardEventTypes, type CardEvent } from '@countersign/slack-edge-domain';
import { CardsService } from './cards.service';

export type ClickAnswer =
  | { status: 'relayed'; voteId: string; text: string }
  | { status: 'refused'; code: string; text: string }
  | { status: 'invalid'; error: FieldError };

/**
 * One click, from HTTP (signature already verified) or Socket Mode: parse it in Slack's format,
 * map the Slack user through the registry, and let the card's decider relay it or refuse it. The
 * decision is in the edge's store before Slack gets its answer; the relay publishes it later.
 */
@Injectable()
export class ClicksService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly cards: CardsService,
  ) {}

  async handle(payload: unknown, causeId: string): Promise<ClickAnswer> {
    const parsed = parseVoteClick(payload);
    if (!parsed.ok)
      return { status: 'invalid', error: { path: parsed.error.field, code: parsed.error.code, message: parsed.error.message } };
    const { click } = parsed;
    const mapping = approverForSlackUser(this.runtime.registry, { teamId: click.teamId, userId: click.userId });
    const command = { type: 'RelayClick' as const, click: commandClick(click), approver: mapping.approver };
    const events = await this.runtime.runner.run(cardDecider, cardStream(click.requestId), command, {
      id: causeId,
      now: this.runtime.clock(),
    });
    const answer = answerOf(events, click);
    // Not awaited: Slack wants its answer within 3 s, and the note (best effort, never throws)
    // can take longer when Slack's API is slow; the decision is already stored.
    if (answer.status !== 'invalid') void this.cards.notify(click.channelId, click.userId, answer.text);
    return answer;
  }
}

function commandClick(click: VoteClick) {
  const { teamId, userId, actionTs, decision, requestId, digest, renderingDigest, reason } = click;
  return { teamId, userId, actionTs, decision, requestId, digest, renderingDigest, ...(reason ? { reason } : {}) };
}

function answerOf(events: CardEvent[], click: VoteClick): ClickAnswer {
  const event = events[0];
  if (event?.type === EventTypes.VoteRelayed) {
    const text = `Your ${click.decision} on request ${click.requestId} was sent to approval; the card shows it once recorded.`;
    return { status: 'relayed', voteId: event.id, text };
  }
  if (event?.type === CardEventTypes.ClickRefused) {
    return { status: 'refused', code: event.data.code, text: `Your ${click.decision} was not sent: ${event.data.message}` };
  }
  // The card decider answers every click with exactly one of the two; anything else is a bug.
  throw new Error(`the card decider answered a click with ${event?.type ?? 'nothing'}`);
}
