import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';

const base = { BYOK_ENCRYPTION_KEYS: 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=', AUTH_JWT_SECRET: 'test-secret-that-is-long-enough-0123456789' };

describe("the notifier's settings", () => {
  it('default to no email, 300 s of failure, 90-day rotation reminders and a 60 s digest window', () => {
    expect(loadConfig(base).notifier).toEqual({ smtp: undefined, failingAfterS: 300, rotationReminderDays: 90, digestWindowS: 60, scanIntervalS: 300, lockDurationMs: 30_000, stalledIntervalMs: 30_000 });
  });

  it('read SMTP_URL and SMTP_FROM together', () => {
    const config = loadConfig({ ...base, SMTP_URL: 'smtp://127.0.0.1:2525', SMTP_FROM: 'BYOK <alerts@example.test>', NOTIFY_FAILING_AFTER_S: '60', KEY_ROTATION_REMINDER_DAYS: '0' });
    expect(config.notifier).toMatchObject({ smtp: { url: 'smtp://127.0.0.1:2525', from: 'BYOK <alerts@example.test>' }, failingAfterS: 60, rotationReminderDays: 0 });
  });

  it('refuse an SMTP_URL without SMTP_FROM, a non-SMTP URL, and values out of range, naming the variable', () => {
    expect(() => loadConfig({ ...base, SMTP_URL: 'smtp://127.0.0.1:2525' })).toThrow(/^Missing SMTP_FROM/);
    expect(() => loadConfig({ ...base, SMTP_URL: 'http://127.0.0.1', SMTP_FROM: 'a@example.test' })).toThrow(/^Invalid SMTP_URL/);
    expect(() => loadConfig({ ...base, SMTP_URL: 'not a url', SMTP_FROM: 'a@example.test' })).toThrow(/^Invalid SMTP_URL/);
    expect(() => loadConfig({ ...base, NOTIFY_FAILING_AFTER_S: '0' })).toThrow(/NOTIFY_FAILING_AFTER_S/);
    expect(() => loadConfig({ ...base, KEY_ROTATION_REMINDER_DAYS: 'often' })).toThrow(/KEY_ROTATION_REMINDER_DAYS/);
  });

  it('never echo the SMTP password in an error', () => {
    expect(() => loadConfig({ ...base, SMTP_URL: 'http://user:hunter2-fake@mail.example.test' , SMTP_FROM: 'a@example.test' })).toThrow(/^(?!.*hunter2)/);
  });
});
