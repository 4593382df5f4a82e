import { loadDemoTargetConfig } from './config';
import { createDemoTarget } from './server';

/** Starts the demo target from the environment; the ready line is what launchers wait for. */
async function main(): Promise<void> {
  const config = loadDemoTargetConfig(process.env);
  const target = createDemoTarget(config);
  const url = await target.listen(config.port, config.host);
  console.log(`demo-target listening on ${url}`);
  const stop = () => void target.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`demo-target failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
