// The action's entry: it only runs the action.
import { run } from './run.js';

await run();
