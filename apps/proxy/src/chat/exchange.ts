import type { KeyFailure } from '@byok/key-health';
import type { ChatUsage, ProviderId, StreamTranslator } from '@byok/providers';
import type { CredentialSource, RouteCandidate } from '@byok/routing';
import type { startProxySpan } from '@byok/telemetry';
import type { BudgetHold } from '../budgets/budget-guard.js';

/** The proxy span, when the request is traced (the type without importing `@opentelemetry/api`). */
export type ProxySpan = NonNullable<ReturnType<typeof startProxySpan>>;

/**
 * The facts of one proxied request, filled in as it goes and read once after the response (usage
 * event, key re-validation, token use). Holds ids and numbers only — never the key or the prompt.
 */
export interface Exchange {
  requestId: string;
  userId: string;
  /** Set when the caller used a gateway token. */
  tokenId: string | undefined;
  /** The organization the request acts for (`userId` is then the member); undefined for a personal request. */
  orgId: string | undefined;
  /** The attempt's key is the organization's (owner `org:<orgId>`): the member may use it but never see it. */
  orgKey: boolean;
  provider: ProviderId;
  /** The model as the client named it. */
  requestedModel: string;
  /** The model as sent upstream (e.g. `openai/gpt-4o-mini` through OpenRouter). */
  upstreamModel: string;
  credentialSource: CredentialSource;
  keyId: string | undefined;
  keyVersion: number | undefined;
  stream: boolean;
  /** `performance.now()` when the request arrived (before its body was read). */
  startedAt: number;
  /** When the first byte of the answer (its headers) went to the client. */
  firstByteAt: number | undefined;
  /** When the upstream request was handed to the connection pool. */
  upstreamSentAt: number | undefined;
  /** When the upstream's response headers arrived, and their status. */
  upstreamAnsweredAt: number | undefined;
  upstreamStatus: number | undefined;
  /** Open while the request runs, when tracing is on; ended after the response. */
  span: ProxySpan | undefined;
  /**
   * The status that describes the outcome: the HTTP status sent, or for a stream that failed after
   * it started, the status its error event stands for. Undefined = read the response's status.
   */
  statusCode: number | undefined;
  usage: ChatUsage | undefined;
  /** A stream's translator, read for usage when the stream ends early. */
  translator: StreamTranslator | undefined;
  /** The client went away before the answer was complete. */
  aborted: boolean;
  /** The upstream refused the key (401/403): a user key gets re-validated, a platform key logged. */
  keyRejected: boolean;
  /** Platform-key requests: what was reserved against the balance, settled after the response. */
  credit: CreditReservation | undefined;
  /** What the request holds on the budgets that apply to it, settled after the response. */
  budget: BudgetHold | undefined;
  /** A budget refused every candidate (429): its id goes on the usage event, and nothing counts. */
  blockedBudgetId: string | undefined;
  /** The stream was cut because its budget hold ran out. */
  budgetCut: boolean;
  /** Characters of answer text relayed to the client (platform-key and budgeted streams), for an estimate when usage never came. */
  relayedChars: number;
  /**
   * Set on a platform-key stream: when the client leaves, the stream reads on to its usage and
   * runs the side work itself (`start()` says whether it took over).
   */
  drain: { start(): boolean } | undefined;
  /** Attempts that failed over to another candidate, in order (empty for most requests). */
  failedAttempts: FailedAttempt[];
  /** The last attempt failed in a way that tells on its key (its health records it after the response). */
  keyFailure: KeyFailure | undefined;
  /** The last attempt's key health is recorded already (it failed over, then became the answer). */
  healthRecorded: boolean;
}

/** An attempt that failed before any byte reached the client, and was followed by another. */
export interface FailedAttempt {
  provider: ProviderId;
  credentialSource: CredentialSource;
  keyId: string | undefined;
  keyVersion: number | undefined;
  /** The upstream's status; 0 when it never answered. */
  status: number;
  /** As in the receipt: `429 cooled 2s`, `timeout`, … */
  outcome: string;
  latencyMs: number;
  /** The upstream refused the key (401/403): re-validated after the response. */
  keyRejected: boolean;
  /** The key was the organization's. */
  orgKey: boolean;
}

/** The credits held for a platform-key request until its charge is known. */
export interface CreditReservation {
  /** The prompt's size in tokens as estimated before the call (the charge's floor when usage never came). */
  promptTokensEstimate: number;
  reservedMicro: number;
}

/** Status recorded for a request whose client disconnected before the answer ended (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** What a new exchange starts from: the caller, the chosen route and the request's shape. */
export interface ExchangeStart {
  requestId: string;
  caller: { userId: string; tokenId?: string; orgId?: string };
  chosen: Pick<RouteCandidate, 'provider' | 'upstreamModel' | 'credentialSource' | 'keyId' | 'orgKey'>;
  requestedModel: string;
  stream: boolean;
  startedAt: number;
}

/** A new exchange; every field is present from the start so all exchanges share one shape. */
export function createExchange(start: ExchangeStart): Exchange {
  return {
    requestId: start.requestId,
    userId: start.caller.userId,
    tokenId: start.caller.tokenId,
    orgId: start.caller.orgId,
    orgKey: start.chosen.orgKey === true,
    provider: start.chosen.provider,
    requestedModel: start.requestedModel,
    upstreamModel: start.chosen.upstreamModel,
    credentialSource: start.chosen.credentialSource,
    keyId: start.chosen.keyId,
    keyVersion: undefined,
    stream: start.stream,
    startedAt: start.startedAt,
    firstByteAt: undefined,
    upstreamSentAt: undefined,
    upstreamAnsweredAt: undefined,
    upstreamStatus: undefined,
    span: undefined,
    statusCode: undefined,
    usage: undefined,
    translator: undefined,
    aborted: false,
    keyRejected: false,
    credit: undefined,
    budget: undefined,
    blockedBudgetId: undefined,
    budgetCut: false,
    relayedChars: 0,
    drain: undefined,
    failedAttempts: [],
    keyFailure: undefined,
    healthRecorded: false,
  };
}

/**
 * Points the exchange at the next candidate after a failed attempt: the facts of the request
 * stay, those of the upstream call start again.
 */
export function retarget(exchange: Exchange, chosen: ExchangeStart['chosen']): void {
  exchange.provider = chosen.provider;
  exchange.upstreamModel = chosen.upstreamModel;
  exchange.credentialSource = chosen.credentialSource;
  exchange.keyId = chosen.keyId;
  exchange.orgKey = chosen.orgKey === true;
  exchange.keyVersion = undefined;
  exchange.upstreamSentAt = undefined;
  exchange.upstreamAnsweredAt = undefined;
  exchange.upstreamStatus = undefined;
  exchange.statusCode = undefined;
  exchange.keyRejected = false;
  exchange.keyFailure = undefined;
}
