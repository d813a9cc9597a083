import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';

const base = { BYOK_ENCRYPTION_KEYS: 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=', AUTH_JWT_SECRET: 'test-secret-that-is-long-enough-0123456789' };

describe("the notifier's settings", () => {
  it('default to no email, 300 s of failure, 90-day rotation reminders, a 60 s digest window and anomalies that only notify', () => {
    expect(loadConfig(base).notifier).toEqual({
      smtp: undefined,
      failingAfterS: 300,
      rotationReminderDays: 90,
      digestWindowS: 60,
      scanIntervalS: 300,
      anomaly: { factor: 5, minMicroUsd: 1_000_000, action: 'notify', adminUserIds: [] },
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
    });
  });

  it('read the anomaly settings and the admins told of them, refusing what is no user id or out of range', () => {
    const config = loadConfig({ ...base, ANOMALY_FACTOR: '2.5', ANOMALY_MIN_MICRO_USD: '0', ANOMALY_ACTION: 'freeze', NOTIFY_ADMIN_USER_IDS: ' ops-1 ,, ops-2,ops-1 ' });
    expect(config.notifier.anomaly).toEqual({ factor: 2.5, minMicroUsd: 0, action: 'freeze', adminUserIds: ['ops-1', 'ops-2'] });
    expect(() => loadConfig({ ...base, ANOMALY_FACTOR: '0.5' })).toThrow(/^Invalid ANOMALY_FACTOR/);
    expect(() => loadConfig({ ...base, ANOMALY_FACTOR: 'many' })).toThrow(/^Invalid ANOMALY_FACTOR/);
    expect(() => loadConfig({ ...base, ANOMALY_MIN_MICRO_USD: '-1' })).toThrow(/^Invalid ANOMALY_MIN_MICRO_USD/);
    expect(() => loadConfig({ ...base, ANOMALY_ACTION: 'delete' })).toThrow(/^Invalid ANOMALY_ACTION/);
    expect(() => loadConfig({ ...base, NOTIFY_ADMIN_USER_IDS: 'ops-1,org:123' })).toThrow(/^Invalid NOTIFY_ADMIN_USER_IDS/);
    expect(() => loadConfig({ ...base, NOTIFY_ADMIN_USER_IDS: 'x'.repeat(256) })).toThrow(/^Invalid NOTIFY_ADMIN_USER_IDS/);
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
