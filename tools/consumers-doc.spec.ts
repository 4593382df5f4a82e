import { Consumers, channelConsumer, siemConsumer, targetConsumer } from '@countersign/contracts';
import { readRepoFile } from './repo-files';

/**
 * docs/protocol.md lists every durable consumer provisioning creates, for operators who look one up
 * with `nats consumer info` (a backlog on audit's consumers is how an audit outage shows). The table
 * is written by hand, so this keeps it equal to `Consumers`, the one list provisioning, permissions
 * and the services read, and to the consumers provisioning makes per SIEM reader, channel and target.
 */
const HEADER = /^\|\s*service\s*\|\s*durable\s*\|\s*stream\s*\|\s*filter\s*\|\s*$/m;

interface Row {
  service: string;
  durable: string;
  stream: string;
  filter: string;
}

function consumerTable(doc: string): Row[] {
  const header = HEADER.exec(doc);
  if (!header) throw new Error('docs/protocol.md has no consumer table');
  const lines = doc.slice(header.index).split('\n');
  const end = lines.findIndex((line) => !line.startsWith('|'));
  return lines
    .slice(2, end < 0 ? lines.length : end)
    .map((line) => line.split('|').map((cell) => cell.trim().replaceAll('`', '')))
    .map(([, service = '', durable = '', stream = '', filter = '']) => ({ service, durable, stream, filter }));
}

const key = ({ service, durable, stream, filter }: Row) => `${service}: ${durable} on ${stream} (${filter})`;

/** A consumer provisioning makes per name (a SIEM reader's, a channel's, a target's), as the table shows it. */
function perName(service: string, spec: { durable: string; stream: string; filterSubject: string }): Row {
  return { service, durable: spec.durable, stream: spec.stream, filter: spec.filterSubject };
}

describe('the consumer table of docs/protocol.md', () => {
  const rows = consumerTable(readRepoFile('docs/protocol.md'));

  it('lists every consumer provisioning creates, with its stream and filter, once, and no other', () => {
    const provisioned = [
      ...Object.values(Consumers)
        .flat()
        .map((spec) => perName(spec.service, spec)),
      perName('SIEM', siemConsumer('<name>')),
      perName('channel', channelConsumer('<name>')),
      perName('target', targetConsumer('<name>')),
    ];
    expect(rows.map(key).sort()).toEqual(provisioned.map(key).sort());
  });
});
