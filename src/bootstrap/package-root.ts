// Where medic's package is (package.json beside templates/), from the running module: a file
// of its own, so that finding it loads nothing else (the CLI's launcher path).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory above the running module that holds package.json and templates/. */
export function packageRootFrom(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.dirname(fileURLToPath(moduleUrl));
    dir = up;
  }
}
