// `npm run token -- --user alice [--admin] [--ttl 3600]`: a development bearer token.
import { runMintTokenCli } from '../src/mint-token.cli.js';

const code = await runMintTokenCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exitCode = code;
