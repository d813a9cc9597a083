/**
 * How to point OpenAI-compatible clients at the proxy: this page's origin plus /v1. For a token
 * created for an organization (`orgName`) it says so, in the text and in the code: such a token
 * acts for the org on every request, with no header to add.
 */
export function ClientSnippet({ token, orgName }: { token: string | null; orgName: string | null }) {
  const baseUrl = `${location.origin}/v1`;
  const key = token ?? 'YOUR_GATEWAY_TOKEN';
  const actsFor = orgName ? `This token acts for the organization “${orgName}”.` : null;
  return (
    <section className="card" aria-labelledby="snippet-title">
      <h2 id="snippet-title">Use it from your tools</h2>
      <p className="muted small">
        The gateway speaks the OpenAI API at <code data-testid="base-url">{baseUrl}</code>. Use a gateway token as the API key; model names pick the provider (for
        example <code>gpt-4o-mini</code>, <code>claude-sonnet-4-5</code>, or <code>openrouter/…</code>).
      </p>
      {actsFor ? (
        <p className="small" data-testid="snippet-acts-for">
          <strong>{actsFor}</strong> Every request made with it uses {orgName}’s keys and settings and counts in its usage, as if it sent <code>x-byok-org</code>. It
          stops working if you leave {orgName}, and deleting {orgName} revokes it.
        </p>
      ) : null}
      <h3>OpenAI SDK (Python)</h3>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling code block must be reachable by keyboard to scroll it (WCAG 2.1.1). */}
      <pre tabIndex={0}>
        <code>{`from openai import OpenAI
${actsFor ? `\n# ${actsFor}` : ''}
client = OpenAI(base_url="${baseUrl}", api_key="${key}")
reply = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "Hello"}],
)
print(reply.choices[0].message.content)`}</code>
      </pre>
      <h3>OpenAI SDK (JavaScript)</h3>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling code block must be reachable by keyboard to scroll it (WCAG 2.1.1). */}
      <pre tabIndex={0}>
        <code>{`import OpenAI from 'openai';
${actsFor ? `\n// ${actsFor}` : ''}
const client = new OpenAI({ baseURL: '${baseUrl}', apiKey: '${key}' });
const reply = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Hello' }],
});`}</code>
      </pre>
      <h3>Open WebUI</h3>
      <p className="small">
        Admin Panel → Settings → Connections → OpenAI API: set the URL to <code>{baseUrl}</code> and the key to your gateway token, then save. The models your keys reach
        appear in the model list.
      </p>
    </section>
  );
}
