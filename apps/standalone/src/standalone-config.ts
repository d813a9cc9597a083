import { devSecretPath, generateDevSecret, loadOrCreateSecretFile } from '@byok/auth';
import { loadConfig, type Config } from '@byok/config';
import { generateKey } from '@byok/crypto';
import { resolve } from 'node:path';

export interface GeneratedSecretNotice {
  name: string;
  path: string;
  created: boolean;
}

/**
 * Standalone mode may run with no secrets configured: it generates each missing one once, keeps
 * it in a 0600 file under BYOK_DATA_DIR and reuses it on every restart (a key that changed
 * between restarts would make every stored key undecryptable). Production mode never does this.
 */
export function loadStandaloneConfig(env: NodeJS.ProcessEnv): { config: Config; generated: GeneratedSecretNotice[] } {
  const generated: GeneratedSecretNotice[] = [];
  const dataDir = resolve(env.BYOK_DATA_DIR?.trim() || '.data');
  const config = loadConfig(env, {
    resolveGeneratedSecret: (name) => {
      const path = devSecretPath(name, dataDir);
      const result = loadOrCreateSecretFile(path, name === 'encryption-key' ? generateKey : generateDevSecret);
      generated.push({ name, path, created: result.created });
      return result.value;
    },
  });
  return { config, generated };
}
