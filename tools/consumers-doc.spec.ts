import { Consumers, siemConsumer, channelConsumer } from '@countersign/contracts';
import { readRepoFile } from './repo-files';

/**
 * docs/protocol.md lists every durable consumer provisioning creates, for operators who look one up
 * with `nats consumer info` (a backlog on audit's consumers is how an audit outage shows). The table
 * is written by hand, so this keeps it equal to `Consumers`, the one list provisioning, permissions
 * and the services read.
 */
const TABLE_HEADING = '| service  | durable';

interface Row {
  service: string;
  durable: string;
  stream: string;
  filter: string;
}

function consumerTable(doc: string): Row[] {
  const start = doc.indexOf(TABLE_HEADING);
  if (start < 0) throw new Error('docs/protocol.md has no consumer table');
  const lines = doc.slice(start).split('\n');
  const end = lines.findIndex((line) => !line.startsWith('|'));
  return lines
    .slice(2, end)
    .map((line) => line.split('|').map((cell) => cell.trim().replaceAll('`', '')))
    .map(([, service = '', durable = '', stream = '', filter = '']) => ({ service, durable, stream, filter }));
}

const key = ({ durable, stream, filter }: Omit<Row, 'service'>) => `${durable} on ${stream} (${filter})`;

describe('the consumer table of docs/protocol.md', () => {
  const rows = consumerTable(readRepoFile('docs/protocol.md'));

  it('lists every service consumer provisioning creates, with its stream and filter, and no other', () => {
    const documented = rows.filter((row) => row.service in Consumers).map(key);
    const provisioned = Object.values(Consumers)
      .flat()
      .map(({ durable, stream, filterSubject }) => key({ durable, stream, filter: filterSubject }));
    expect([...documented].sort()).toEqual([...provisioned].sort());
  });

  it('names the SIEM and channel consumers as provisioning makes them', () => {
    // Typed as never for a `service` (they belong to none); the fields are there all the same.
    const named = (spec: unknown) => spec as { durable: string; stream: string; filterSubject: string };
    const expected = (service: string, spec: unknown) => {
      const { durable, stream, filterSubject } = named(spec);
      return { service, durable, stream, filter: filterSubject };
    };
    const byService = new Map(rows.map((row) => [row.service, row]));
    expect(byService.get('SIEM')).toEqual(expected('SIEM', siemConsumer('<name>')));
    expect(byService.get('channel')).toEqual(expected('channel', channelConsumer('<name>')));
  });
});
