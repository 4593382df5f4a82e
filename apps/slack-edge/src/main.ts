import { channelConsumer, EventTypes, type Envelope } from '@countersign/contracts';
import { bootstrapChannel } from '@countersign/service-runtime';
import type { ObservedApprovalEvent } from '@countersign/slack-edge-domain';
import { CardsService } from './cards.service';
import { SlackEdgeModule } from './edge.module';
import { RefusalsService } from './refusals.service';
import { RequestErrorsFilter } from './request-errors.filter';
import { loadSlackEdgeConfig } from './slack.config';

/** Approval's events a card shows; the rest of approval's stream is acknowledged and ignored. */
const OBSERVED = [
  EventTypes.ApprovalRequested,
  EventTypes.ApprovalEscalated,
  EventTypes.VoteRecorded,
  EventTypes.VoteRejected,
  EventTypes.RequestApproved,
  EventTypes.RequestDenied,
  EventTypes.RequestExpired,
];

const config = loadSlackEdgeConfig();

void bootstrapChannel({
  channel: 'slack',
  consumers: [channelConsumer('slack')],
  module: (runtime) => SlackEdgeModule.register(runtime, config),
  http: config.mode === 'http' ? 'raw' : false,
  configureHttp: (app) => app.useGlobalFilters(new RequestErrorsFilter(app.get(RefusalsService))),
  handlers: (app) => {
    const cards = app.get(CardsService);
    const observe = (envelope: Envelope) =>
      cards.observe({ id: envelope.id, type: envelope.type, data: envelope.data } as ObservedApprovalEvent);
    return OBSERVED.map((pattern) => ({ pattern, handler: observe }));
  },
});
