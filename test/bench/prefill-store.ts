import { prefillStore } from './store-clones';

/**
 * `node scripts/run-ts.js test/bench/prefill-store.ts <file> <target>`: one store's pre-fill in a
 * process of its own, so the five stores (synchronous SQLite work) and the streams fill at the
 * same time. Prints the rows added.
 */
const [file, target] = process.argv.slice(2);
if (!file || !target) throw new Error('usage: prefill-store.ts <store file> <target events>');
console.log(prefillStore(file, Number(target)));
