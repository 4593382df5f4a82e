import { Module, type DynamicModule } from '@nestjs/common';
import { slackWebApi } from '@countersign/slack';
import { serviceModule, type ServiceRuntime } from '@countersign/service-runtime';
import { CardsService } from './cards.service';
import { ClicksService } from './clicks.service';
import { InteractionsController } from './interactions.controller';
import { RefusalsService } from './refusals.service';
import type { SlackEdgeConfig } from './slack.config';
import { SocketModeRunner } from './socket-mode.runner';
import { SLACK_EDGE_CONFIG, SLACK_MESSAGES } from './tokens';

@Module({})
export class SlackEdgeModule {
  static register(runtime: ServiceRuntime, config: SlackEdgeConfig): DynamicModule {
    const messages = slackWebApi({
      token: config.botToken,
      logger: runtime.logger,
      ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    });
    return serviceModule(SlackEdgeModule, runtime, {
      controllers: config.mode === 'http' ? [InteractionsController] : [],
      providers: [
        { provide: SLACK_EDGE_CONFIG, useValue: config },
        { provide: SLACK_MESSAGES, useValue: messages },
        CardsService,
        ClicksService,
        ...(config.mode === 'http' ? [RefusalsService] : []),
        ...(config.mode === 'socket' ? [SocketModeRunner] : []),
      ],
    });
  }
}
