// Runs the GitHub stand-in as its own process (so the load generator does not share an event
// loop with it) and writes its port to the file named by argv[2].
import { writeFileSync } from 'node:fs';
import { githubStandIn } from '../test/helpers/github-standin.js';

const standIn = await githubStandIn(JSON.parse(process.argv[3] ?? '{}'));
writeFileSync(process.argv[2]!, new URL(standIn.url).port);
process.on('SIGTERM', () => void standIn.close().then(() => process.exit(0)));
