/** Lone UTF-16 surrogates encode to U+FFFD in UTF-8, so two different strings would collide. */
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `text` has no lone surrogates, so its UTF-8 encoding round-trips exactly. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
