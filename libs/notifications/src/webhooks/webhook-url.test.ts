import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH } from './webhook-url.js';

const PUBLIC = { production: false, allowPrivate: false };

describe('checkWebhookUrl', () => {
  it('accepts http(s) URLs of public hosts and normalises them', () => {
    expect(checkWebhookUrl('https://Hooks.Example.com/byok?x=1', PUBLIC)).toEqual({ url: 'https://hooks.example.com/byok?x=1' });
    expect(checkWebhookUrl('http://hooks.example.com/', PUBLIC)).toEqual({ url: 'http://hooks.example.com/' });
  });

  it.each([
    ['ftp://hooks.example.com/', /https/],
    ['javascript:alert(1)', /https/],
    ['/relative', /absolute/],
    ['https://user:pass@hooks.example.com/', /user name or password/],
    ['https://hooks.example.com/#frag', /fragment/],
    ['http://127.0.0.1:8080/', /loopback/],
    ['http://[::1]/', /loopback/],
    ['http://10.0.0.8/', /private/],
    ['http://169.254.169.254/latest/meta-data/', /metadata/],
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['http://0x7f.1/', /loopback/],
    ['http://localhost:3000/', /localhost/],
    ['http://api.localhost/', /localhost/],
    ['http://localhost./', /localhost/],
    ['http://API.localhost.:8080/', /localhost/],
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    [`https://hooks.example.com/${'a'.repeat(MAX_WEBHOOK_URL_LENGTH)}`, /longer than/],
  ])('refuses %s', (raw, problem) => {
    const checked = checkWebhookUrl(raw, PUBLIC);
    expect('problem' in checked && checked.problem).toMatch(problem);
  });

  it('measures the URL as stored: short enough as given, too long once percent-encoded', () => {
    expect(checkWebhookUrl(`https://hooks.example.com/${'é'.repeat(400)}`, PUBLIC)).toEqual({ problem: expect.stringMatching(/is 2426 characters once normalised/) });
  });

  it('requires https in production', () => {
    expect(checkWebhookUrl('http://hooks.example.com/', { production: true, allowPrivate: false })).toEqual({ problem: 'must use https' });
    expect(checkWebhookUrl('https://hooks.example.com/', { production: true, allowPrivate: false })).toEqual({ url: 'https://hooks.example.com/' });
  });

  it('lets local receivers through with WEBHOOK_ALLOW_PRIVATE', () => {
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', { production: false, allowPrivate: true })).toEqual({ url: 'http://127.0.0.1:8080/hook' });
  });
});
