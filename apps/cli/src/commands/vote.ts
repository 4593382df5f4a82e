import { randomUUID } from 'node:crypto';
import { EventTypes, identityId, parseWith, Subjects, VoteCastV1 } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity } from '@countersign/identity';
import { flag, optionalString, optionTable, requiredString, type CommandLine, type OptionValues } from '../args';
import { CliError, ExitCode, UsageError, type CliContext } from '../context';
import { formatRows } from '../output';
import { publishEnvelope, withConnection } from '../nats';
import type { Command } from './command';

function decision(values: OptionValues): 'approve' | 'deny' {
  const approve = flag(values, 'approve');
  const deny = flag(values, 'deny');
  if (approve === deny) throw new UsageError('give exactly one of --approve or --deny', 'vote');
  return approve ? 'approve' : 'deny';
}

/** Validated against the contract before signing: a vote intake would refuse is never sent. */
export function buildVote(values: OptionValues) {
  const reason = optionalString(values, 'reason');
  return parseWith(VoteCastV1, {
    requestId: optionalString(values, 'request'),
    digest: optionalString(values, 'digest'),
    renderingDigest: optionalString(values, 'rendering'),
    decision: decision(values),
    ...(reason === undefined ? {} : { reason }),
    ...(flag(values, 'review') ? { review: true } : {}),
  });
}

async function run(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const approver = requiredString(line.values, 'as', 'vote');
  const vote = buildVote(line.values);
  if (!vote.ok) throw new CliError('invalid vote, nothing was published', ExitCode.invalidInput, vote.errors);
  const id = identityId('approver', approver);
  const signer = new EnvelopeSigner(id, loadIdentity(ctx.home, id).signing);
  const data = vote.value;
  const envelope = signer.sign({
    id: randomUUID(),
    type: EventTypes.VoteCast,
    subject: data.requestId,
    time: new Date().toISOString(),
    data,
    correlationid: data.requestId,
  });
  const subject = Subjects.vote(approver);
  const ack = await withConnection(ctx, { kind: 'approver', name: approver }, (nc) => publishEnvelope(nc, subject, envelope));
  const summary = {
    requestId: data.requestId,
    eventId: envelope.id,
    decision: data.decision,
    digest: data.digest,
    renderingDigest: data.renderingDigest,
    subject,
    stream: ack.stream,
    sequence: ack.seq,
  };
  ctx.out.result(summary, () => [
    `voted ${data.decision} on request ${data.requestId} as ${id}`,
    ...formatRows([
      ['  digest', data.digest],
      ['  rendering', data.renderingDigest],
      ['  event id', envelope.id],
      ['  published', `${subject} (stream ${ack.stream}, sequence ${ack.seq})`],
    ]),
  ]);
  return ExitCode.ok;
}

export const voteCommand: Command = {
  name: 'vote',
  options: optionTable(['as', 'request', 'digest', 'rendering', 'reason'], ['approve', 'deny', 'review']),
  run,
  summary: 'sign and cast an approver vote on the action digest and rendering you reviewed',
  usage: [
    'countersign vote --as <approver> --request <request-id> --digest <sha256-hex> --rendering <sha256-hex> (--approve | --deny) [--reason "<why>"] [--review]',
    '',
    '  --digest     the action digest you reviewed; a vote for any other digest is rejected',
    '  --rendering  the rendering digest of the text you read (countersign status <request-id> shows both);',
    '               a vote naming a text approval did not show is rejected (rendering_mismatch)',
    '  --review  close the after-the-fact review of a break-glass approval instead: --approve upholds',
    '            the emergency decision, --deny disputes it',
  ],
  examples: [
    'countersign vote --as alice --request 0f9c…-… --digest 3b1f… --rendering 9a0c… --approve --reason "change ticket CHG-118"',
    'countersign vote --as carol --request 0f9c…-… --digest 3b1f… --rendering 9a0c… --review --approve --reason "outage INC-42, fix was needed"',
  ],
};
