/**
 * @byok/reservations: atomic reservations on Redis counters, shared by every instance. A request
 * reserves an estimate on one or more counters of a scope (all or nothing, against limits),
 * settles the final amounts when it ends, or releases them; a reservation nobody ends lapses
 * after its TTL. The proxy's credit check uses it; the budget counters use its script runner.
 */
export { type CounterAmount, release, type ReleaseInput, reserve, type ReserveInput, type ReserveResult, reservedTotal, type ReservationScope, settle, type SettleInput } from './reservations.js';
export { CREDITS_COUNTER } from './credits.js';
// Shared with other libs that run their own scripts (@byok/key-health, @byok/budgets/counters).
export { luaScript, runScript, type LuaScript } from './run-script.js';
