import { Link, useDocumentTitle } from '../app/router.js';

/** What BYOK is: routing order, what it costs, and how keys are kept. */
export function AboutPage() {
  useDocumentTitle('What is BYOK?');
  return (
    <section aria-labelledby="about-title" className="prose">
      <h1 id="about-title">What is BYOK?</h1>
      <p>
        Bring your own key: you store API keys from LLM providers here, and requests you send through the gateway use them. You pay the provider directly, at
        their prices, and the platform's credits are left alone.
      </p>
      <h2>Which key a request uses</h2>
      <ol>
        <li>
          <strong>Your OpenRouter key</strong>, when you have one that works: one key reaches hundreds of models from every major provider.
        </li>
        <li>
          <strong>Your key for the model's provider</strong> (OpenAI for <code>gpt-…</code>, Anthropic for <code>claude-…</code>, and so on).
        </li>
        <li>
          <strong>The platform key</strong>, paid with your credits, when you have no usable key for it.
        </li>
      </ol>
      <p>Disabled keys and keys the provider rejected are skipped. Every response says which credential served it.</p>
      <h2>Cost</h2>
      <p>
        Requests on your keys cost no credits; <Link href="/account/usage">Usage</Link> shows what they would have cost (what BYOK saved). Requests on the platform key
        are charged in credits at the provider's cost, one credit per dollar.
      </p>
      <h2>Security</h2>
      <ul>
        <li>Keys are encrypted at rest and decrypted only in memory when a request needs them.</li>
        <li>After saving, a key is only ever shown masked (its prefix and last four characters); no API returns it.</li>
        <li>Every change to your keys is in your <Link href="/account/activity">activity</Link> record, which never contains key material.</li>
        <li>Keys are tested against the provider when saved and from time to time, so a revoked key is noticed.</li>
      </ul>
    </section>
  );
}
