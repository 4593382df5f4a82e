import { randomUUID } from 'node:crypto';
import type { MsgHdrs, PubAck } from 'nats';
import { EventTypes, identityId, Subjects, type Envelope, type RequestSubmittedV1 } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity } from '@countersign/identity';
import { contextFromTraceparent, traceHeaders } from '@countersign/messaging';
import {
  flag,
  optionalString,
  optionTable,
  positiveInteger,
  requiredString,
  stringList,
  type CommandLine,
  type OptionValues,
} from '../args';
import { CliError, ExitCode, type CliContext } from '../context';
import { formatRows } from '../output';
import { publishEnvelope, withConnection } from '../nats';
import type { Command } from './command';
import { waitForOutcome } from './outcomes';
import { readJsonFile } from './key-files';
import { buildSubmission, type SubmissionInput } from './submission';

const DEFAULT_TIMEOUT_SECONDS = 60;

function submissionInput(values: OptionValues): SubmissionInput {
  const text = (option: string) => optionalString(values, option);
  return {
    kind: text('kind'),
    target: text('target'),
    environment: text('env'),
    params: stringList(values, 'param'),
    paramsJson: text('params-json'),
    amount: text('amount'),
    currency: text('currency'),
    sensitivity: text('sensitivity'),
    windowMinutes: positiveInteger(values, 'window-minutes', 'submit'),
    reason: text('reason'),
    requestId: text('request-id'),
    breakGlass: flag(values, 'break-glass'),
    ticket: text('ticket'),
    expectedOutcome: text('expected-outcome'),
    rollbackPlan: text('rollback-plan'),
    ...(text('run') === undefined ? {} : { run: readJsonFile(text('run') ?? '', 'run attestation') }),
  };
}

/** Signs with the requester's own key: intake believes the signature, not the CLI. */
function signSubmission(ctx: CliContext, requester: string, data: RequestSubmittedV1, now: Date): Envelope<RequestSubmittedV1> {
  const id = identityId('requester', requester);
  const signer = new EnvelopeSigner(id, loadIdentity(ctx.home, id).signing);
  return signer.sign({
    id: randomUUID(),
    type: EventTypes.RequestSubmitted,
    subject: data.requestId,
    time: now.toISOString(),
    data,
    correlationid: data.requestId,
  });
}

function printSubmitted(ctx: CliContext, envelope: Envelope<RequestSubmittedV1>, subject: string, ack: PubAck): void {
  const summary = {
    requestId: envelope.data.requestId,
    eventId: envelope.id,
    subject,
    stream: ack.stream,
    sequence: ack.seq,
    duplicate: ack.duplicate,
  };
  ctx.out.result(summary, () => [
    `submitted request ${summary.requestId}`,
    ...formatRows([
      ['  event id', envelope.id],
      ['  published', `${subject} (stream ${ack.stream}, sequence ${ack.seq}${ack.duplicate ? ', duplicate: already stored' : ''})`],
    ]),
  ]);
}

async function run(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const requester = requiredString(line.values, 'as', 'submit');
  const wait = flag(line.values, 'wait');
  const timeoutSeconds = positiveInteger(line.values, 'timeout', 'submit') ?? DEFAULT_TIMEOUT_SECONDS;
  const now = new Date();
  const built = buildSubmission(submissionInput(line.values), now, randomUUID);
  if (!built.ok) throw new CliError('invalid submission, nothing was published', ExitCode.invalidInput, built.errors);
  const headers = traceHeadersOption(line);
  const envelope = signSubmission(ctx, requester, built.value, now);
  const subject = Subjects.submit(requester);
  return withConnection(ctx, { kind: 'requester', name: requester }, async (nc) => {
    // Subscribe before publishing: intake can answer faster than a late subscription would start.
    const subscription = wait ? nc.subscribe(Subjects.notify(requester)) : undefined;
    if (subscription) await nc.flush();
    printSubmitted(ctx, envelope, subject, await publishEnvelope(nc, subject, envelope, headers));
    if (!subscription) return ExitCode.ok;
    return waitForOutcome(ctx, subscription, { requestId: envelope.data.requestId, submissionId: envelope.id }, timeoutSeconds * 1000);
  });
}

/** `--traceparent`: the caller's W3C trace, continued by every service that handles the request. */
function traceHeadersOption(line: CommandLine): MsgHdrs | undefined {
  const given = optionalString(line.values, 'traceparent');
  if (given === undefined) return undefined;
  const ctx = contextFromTraceparent(given);
  if (!ctx) {
    const error = { path: 'traceparent', code: 'invalid_traceparent', message: 'not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)' };
    throw new CliError('invalid --traceparent, nothing was published', ExitCode.invalidInput, [error]);
  }
  return traceHeaders(ctx);
}

export const submitCommand: Command = {
  name: 'submit',
  options: {
    ...optionTable(
      [
        'as',
        'kind',
        'target',
        'env',
        'params-json',
        'amount',
        'currency',
        'sensitivity',
        'window-minutes',
        'reason',
        'request-id',
        'ticket',
        'expected-outcome',
        'rollback-plan',
        'timeout',
        'run',
        'traceparent',
      ],
      ['break-glass', 'wait'],
    ),
    param: { type: 'string', multiple: true },
  },
  run,
  summary: 'sign and submit an action request as a requester',
  usage: [
    'countersign submit --as <requester> --kind <kind> --target <target> --reason "<why>"',
    "                   [--param key=value ...] [--params-json '{...}'] [--amount 12500.00 --currency EUR]",
    '                   [--ticket CHG-1042] [--expected-outcome "<text>"] [--rollback-plan "<text>"]',
    '                   [--env <environment>] [--sensitivity public|internal|confidential|restricted]',
    '                   [--window-minutes N] [--request-id <uuid>] [--break-glass] [--wait [--timeout 60]]',
    '                   [--run <run attestation file>]',
    '                   [--traceparent 00-<trace id>-<span id>-01]',
    '',
    '  The target registry says what the target is (environment, data sensitivity, owner team);',
    '  --env and --sensitivity only assert it: a submission that says otherwise is rejected.',
    '  --ticket, --expected-outcome, --rollback-plan  the change intent approvers see; a policy',
    '                 tier may require them (restricted data does in the default policy)',
    '  --break-glass  an emergency: only a break-glass tier of the policy takes it (reduced quorum,',
    '                 mandatory review afterwards); part of the digest approvers see',
    '  --wait    stay for the outcome: exit 0 executed, 3 rejected/denied/expired/failed, 4 timeout',
    '  --param   values are strings; use --params-json for numbers, booleans and nesting',
    "  --run     an agent workload's run attestation (countersign run attest --out): required from",
    '            a requester registered with a workload block, refused from any other',
    "  --traceparent  continue the caller's W3C trace: every service logs and stores the request under it",
  ],
  examples: [
    'countersign submit --as deploy-bot --kind http.request --target demo-staging --env staging \\',
    '  --param method=POST --param path=/v1/deploy --reason "release 4.2" --wait',
    'countersign submit --as payments-agent --kind payment.transfer --target vendor-bank \\',
    '  --amount 12500.00 --currency EUR --param payee="ACME GmbH" --window-minutes 30 --reason "invoice 7781"',
    'countersign submit --as deploy-bot --kind http.request --target customer-db --param path=/v1/reindex \\',
    '  --ticket CHG-1042 --expected-outcome "search p99 under 50 ms" --rollback-plan "drop the new index" --reason "slow search"',
  ],
};
