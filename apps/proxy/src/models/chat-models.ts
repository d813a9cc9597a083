import { PROVIDER_IDS, type ProviderId } from '@byok/providers';
import type { PriceTable } from '../pricing/price-table.js';

/**
 * Names of models that do something other than chat: embeddings, speech, transcription, images,
 * video, moderation, reranking, and OpenAI's legacy completion-only models. A provider's model
 * list (what a key test records) mixes them with chat models, and `/v1/models` must offer only
 * what `/v1/chat/completions` can serve: clients such as Open WebUI show every entry as a choice.
 */
const NOT_CHAT = /embed|whisper|tts|transcribe|dall-e|gpt-image|imagen|image-generation|veo-|sora|moderation|rerank|babbage|davinci|\baqa\b/i;

/** True for a name that names one chat model: no wildcard, not an embedding (or other non-chat) model. */
export function isChatModelName(name: string): boolean {
  return name !== '' && !name.includes('*') && !NOT_CHAT.test(name);
}

/** Chat model names each provider is known to serve without a key test: the price table's names. */
export type KnownChatModels = Readonly<Record<ProviderId, readonly string[]>>;

/**
 * The price table's model names per provider. The table lists the models people commonly route,
 * under the names clients send (a listed name also prices its dated variants by prefix), so a
 * provider reached without a key test of its own — through an OpenRouter key or a platform key —
 * still lists concrete models.
 */
export function knownChatModels(table: PriceTable): KnownChatModels {
  return Object.fromEntries(PROVIDER_IDS.map((id) => [id, Object.keys(table.models[id]).filter(isChatModelName)])) as Record<ProviderId, string[]>;
}
