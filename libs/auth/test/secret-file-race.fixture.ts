// Child process for the secret-file race test: waits until a shared start time, then calls
// loadOrCreateSecretFile and prints the result as JSON.
import { randomBytes } from 'node:crypto';
import { loadOrCreateSecretFile } from '../src/secret-file.js';

const [path, startAtText] = process.argv.slice(2);
if (path === undefined || startAtText === undefined) throw new Error('usage: <path> <startAtMs>');
const startAt = Number(startAtText);
while (Date.now() < startAt) {
  // Busy-wait so all children call at nearly the same moment.
}
const result = loadOrCreateSecretFile(path, () => randomBytes(16).toString('hex'));
process.stdout.write(JSON.stringify(result));
