import { periodWindow, type BudgetAction, type BudgetLimits, type BudgetPeriod, type BudgetScope } from '@byok/budgets';
import {
  appendAudit,
  canManageOrg,
  deleteBudget,
  findBudgetById,
  findOrgMembership,
  insertBudget,
  listBudgetsVisibleTo,
  ORG_ROLES,
  sumBudgetUse,
  updateBudget,
  type BudgetPatch,
  type BudgetRow,
  type EntityManager,
  type OrgMembership,
} from '@byok/db';
import { AppError, notFound } from '@byok/http';
import { type ToggledKey, undoBudgetKeyDisable } from '@byok/notifications';
import type { Actor } from '../http/actor.js';
import { checkAction, emptyPatch, parseTimeZone, sortThresholds } from './budget-input.js';
import { DEFAULT_BUDGET_THRESHOLDS } from './budget.schemas.js';
import { budgetAccess, budgetOrgId, resolveBudgetScope } from './budget-scope.js';
import { toBudgetView, type BudgetViewBody } from './budget-view.js';

export interface BudgetServiceDeps {
  /** Tells the proxies that an owner's budgets changed (best effort: the change is committed before). */
  announce(ownerId: string): Promise<void>;
  /** Tells the proxies that a key's owner's keys changed (a key its budget had disabled is enabled again). */
  announceKeyChange(userId: string): Promise<void>;
  now(): number;
}

export interface NewBudgetInput {
  scope: BudgetScope;
  scope_id?: string;
  period: BudgetPeriod;
  time_zone?: string;
  limits: BudgetLimits;
  thresholds?: number[];
  action?: BudgetAction;
}

export interface BudgetPatchInput {
  period?: BudgetPeriod;
  time_zone?: string;
  limits?: BudgetLimits;
  thresholds?: number[];
  action?: BudgetAction;
}

const MANAGING_ROLES = ORG_ROLES.filter(canManageOrg);

function budgetExists(budget: { scope: string; period: string }): AppError {
  return new AppError('budget_exists', `A ${budget.period} budget on this ${budget.scope} scope already exists; change it instead of creating another`);
}

/**
 * Budgets (#18): created, changed and deleted by their owner — the user, or an organization's
 * owners and admins — with an audit record in the same transaction and an announcement to the
 * proxies after it. Another user's or organization's budget is a 404 on every method; a member
 * reads the `org_member` budgets about themselves and gets 403 changing them.
 */
export function createBudgetService(deps: BudgetServiceDeps) {
  /** Memoized per call: a listing asks about the same organizations many times. */
  function membershipLookup(em: EntityManager, userId: string) {
    const found = new Map<string, Promise<OrgMembership | null>>();
    return (orgId: string) => {
      let membership = found.get(orgId);
      if (membership === undefined) {
        membership = findOrgMembership(em, orgId, userId);
        found.set(orgId, membership);
      }
      return membership;
    };
  }

  async function announceReenabled(key: ToggledKey | null): Promise<void> {
    if (key !== null) await deps.announceKeyChange(key.userId);
  }

  async function view(em: EntityManager, budget: BudgetRow, canManage: boolean): Promise<BudgetViewBody> {
    const window = periodWindow(budget.period, budget.timeZone, deps.now());
    return toBudgetView(budget, await sumBudgetUse(em, budget, window), window, canManage);
  }

  /** The budget if the user may at least read it; 404 otherwise, exactly as for an id nobody has. */
  async function visibleBudget(em: EntityManager, userId: string, id: string): Promise<{ budget: BudgetRow; canManage: boolean }> {
    const budget = await findBudgetById(em, id);
    const access = budget === null ? 'none' : await budgetAccess(budget, userId, membershipLookup(em, userId));
    if (budget === null || access === 'none') throw notFound('Budget');
    return { budget, canManage: access === 'manage' };
  }

  async function managedBudget(em: EntityManager, userId: string, id: string): Promise<BudgetRow> {
    const { budget, canManage } = await visibleBudget(em, userId, id);
    if (!canManage) throw new AppError('forbidden', "Only the organization's owners and admins change its budgets");
    return budget;
  }

  return {
    async create(em: EntityManager, actor: Actor, userId: string, input: NewBudgetInput): Promise<BudgetViewBody> {
      const action = input.action ?? 'block';
      checkAction(action, input.scope);
      const timeZone = parseTimeZone(input.time_zone ?? 'UTC');
      const { ownerId, scopeId } = await resolveBudgetScope(em, userId, input.scope, input.scope_id);
      const budget = await em.transactional(async (tx) => {
        const row = await insertBudget(tx, {
          ownerId,
          scope: input.scope,
          scopeId,
          period: input.period,
          timeZone,
          limits: input.limits,
          thresholds: sortThresholds(input.thresholds ?? DEFAULT_BUDGET_THRESHOLDS),
          action,
          createdBy: userId,
        });
        if (row === null) throw budgetExists(input);
        await appendAudit(tx, { ...actor, ...auditSubject(row), action: 'budget.created', details: auditDetails(row) });
        return row;
      });
      await deps.announce(budget.ownerId);
      return view(em, budget, true);
    },

    async list(em: EntityManager, userId: string): Promise<BudgetViewBody[]> {
      const budgets = await listBudgetsVisibleTo(em, userId, MANAGING_ROLES);
      const membershipOf = membershipLookup(em, userId);
      const views: BudgetViewBody[] = [];
      for (const budget of budgets) views.push(await view(em, budget, (await budgetAccess(budget, userId, membershipOf)) === 'manage'));
      return views;
    },

    async get(em: EntityManager, userId: string, id: string): Promise<BudgetViewBody> {
      const { budget, canManage } = await visibleBudget(em, userId, id);
      return view(em, budget, canManage);
    },

    async update(em: EntityManager, actor: Actor, userId: string, id: string, input: BudgetPatchInput): Promise<BudgetViewBody> {
      const current = await managedBudget(em, userId, id);
      if (changedFields(input).length === 0) throw emptyPatch();
      if (input.action !== undefined) checkAction(input.action, current.scope);
      const patch: BudgetPatch = {
        ...(input.period !== undefined ? { period: input.period } : {}),
        ...(input.time_zone !== undefined ? { timeZone: parseTimeZone(input.time_zone) } : {}),
        ...(input.limits !== undefined ? { limits: input.limits } : {}),
        ...(input.thresholds !== undefined ? { thresholds: sortThresholds(input.thresholds) } : {}),
        ...(input.action !== undefined ? { action: input.action } : {}),
      };
      let reenabled: ToggledKey | null = null;
      const updated = await em.transactional(async (tx) => {
        const row = await updateBudget(tx, id, patch);
        if (row === 'duplicate') throw budgetExists({ scope: current.scope, period: input.period ?? current.period });
        // Deleted by someone else since it was read.
        if (row === null) throw notFound('Budget');
        await appendAudit(tx, { ...actor, ...auditSubject(row), action: 'budget.updated', details: { ...auditDetails(row), changed: changedFields(input) } });
        // New limits or another action: the key this budget disabled comes back; if the budget is
        // still used up under a disable_key action, the next notifier scan disables it again.
        if (input.limits !== undefined || input.action !== undefined) reenabled = await undoBudgetKeyDisable(tx, row, 'budget_changed');
        return row;
      });
      await deps.announce(updated.ownerId);
      await announceReenabled(reenabled);
      return view(em, updated, true);
    },

    async remove(em: EntityManager, actor: Actor, userId: string, id: string): Promise<void> {
      await managedBudget(em, userId, id);
      let reenabled: ToggledKey | null = null;
      const deleted = await em.transactional(async (tx) => {
        const row = await deleteBudget(tx, id);
        if (row === null) return null;
        await appendAudit(tx, { ...actor, ...auditSubject(row), action: 'budget.deleted', details: auditDetails(row) });
        // The budget is gone, so nothing would enable the key it disabled at its reset.
        reenabled = await undoBudgetKeyDisable(tx, row, 'budget_deleted');
        return row;
      });
      if (deleted === null) throw notFound('Budget');
      await deps.announce(deleted.ownerId);
      await announceReenabled(reenabled);
    },
  };
}

export type BudgetService = ReturnType<typeof createBudgetService>;

/** The fields a change named, for its audit record. */
function changedFields(input: BudgetPatchInput): string[] {
  return Object.entries(input)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field)
    .sort();
}

/** Whose budget changed, as the audit trail names it: the user, or `org:<org id>` (as for org keys). */
function auditSubject(budget: BudgetRow) {
  return {
    subjectUserId: budget.ownerId,
    provider: budget.scope === 'provider' ? budget.scopeId : null,
    keyId: budget.scope === 'key' ? budget.scopeId : null,
  };
}

function auditDetails(budget: BudgetRow): Record<string, unknown> {
  return {
    budget_id: budget.id,
    org_id: budgetOrgId(budget),
    scope: budget.scope,
    scope_id: budget.scopeId,
    period: budget.period,
    time_zone: budget.timeZone,
    limits: budget.limits,
    thresholds: budget.thresholds,
    action: budget.action,
  };
}
