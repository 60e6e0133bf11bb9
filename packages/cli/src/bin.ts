import { main } from './index';

// The npm bin: the exit code is set, not forced, so stdout is flushed before Node exits.
process.exitCode = await main(process.argv.slice(2));
