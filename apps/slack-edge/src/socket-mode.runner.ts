import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { startSocketMode } from '@countersign/slack';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { ClicksService } from './clicks.service';
import type { SlackEdgeConfig } from './slack.config';
import { SLACK_EDGE_CONFIG } from './tokens';

/**
 * Socket Mode: the edge dials out to Slack, so no public endpoint exists. Slack authenticates the
 * connection (app-level token), which is why these payloads carry no request signature. An
 * interaction is acked only after its decision is stored; an invalid one is acked and refused.
 * Slack does not redeliver an unacked click: the person sees a warning and clicks again.
 */
@Injectable()
export class SocketModeRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private connection: { stop(): Promise<void> } | undefined;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SLACK_EDGE_CONFIG) private readonly config: SlackEdgeConfig,
    private readonly clicks: ClicksService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.connection = await startSocketMode({
      appToken: this.config.appToken ?? '',
      ...(this.config.slackApiUrl ? { slackApiUrl: this.config.slackApiUrl } : {}),
      logger: this.runtime.logger,
      onInteraction: async (payload) => {
        const cause = createHash('sha256').update(JSON.stringify(payload)).digest('hex');
        const answer = await this.clicks.handle(payload, `slack-socket:${cause}`);
        if (answer.status === 'invalid')
          this.runtime.logger.warn(`refused a Socket Mode interaction: ${answer.error.path} ${answer.error.message}`);
        // Slack shows no ack text for a click; the person hears back in an ephemeral message.
        return {};
      },
    });
    this.runtime.logger.log('Slack Socket Mode connected');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.stop();
  }
}
