import { bindingBackfillCompletedAt, isDatabaseUnavailable, type Orm } from '@byok/db';

/** Whether stored keys without a binding tag are refused, and how the process learns it. */
export interface BindingPolicy {
  /** Asked by the keyring on every check of a stored token. */
  required(): boolean;
  /** Re-reads the database's record (mode `auto` only); an unreachable database changes nothing. */
  refresh(orm: Orm): Promise<void>;
}

/**
 * `BYOK_REQUIRE_BINDING`: `on` always requires tags, `off` never does, `auto` (the default)
 * requires them once the database records that the binding backfill has completed (see
 * `recordKeyBindings`). Once required, a process keeps requiring them: a deleted record (which
 * takes write access to the database, the very threat the tags answer) does not switch a running
 * process back.
 */
export function createBindingPolicy(mode: 'auto' | 'on' | 'off'): BindingPolicy {
  let required = mode === 'on';
  return {
    required: () => required,
    async refresh(orm) {
      if (mode !== 'auto' || required) return;
      try {
        required = (await bindingBackfillCompletedAt(orm.em.fork())) !== null;
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
      }
    },
  };
}
