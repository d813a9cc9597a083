import { Migration } from '@mikro-orm/migrations';

/**
 * Organizations (issue #17): shared keys, members with roles, per-member usage.
 *
 * An organization's keys live in `user_provider_keys` like a user's, so pools, priorities, tests,
 * health, rotation and binding tags all apply to them unchanged. Their owner id is the pseudo-user
 * `org:<org id>` (what `user_id` holds, what the binding tag binds to, what the audit trail names as
 * subject) and `org_id` names the organization, so deleting it deletes its keys. No signed-in user
 * can be `org:…`: the authenticator refuses such subjects.
 *
 * - `byok_orgs.member_keys`: how a member's own keys mix with the org's while acting for it —
 *   `prefer` (member's first), `allow` (org's first), `forbid` (org's only).
 * - `byok_orgs.platform_fallback`: may the platform's keys (the member's credits) serve what no key can.
 * - `byok_orgs.external_id`: the organization's name in the identity provider's token claim
 *   (`AUTH_ORG_CLAIM`), for organizations recorded on first sight.
 * - `byok_org_members.source`: `api` (added by an owner or admin) or `claim` (seen in a token).
 * - `gateway_tokens.org_id`: a token created for an organization always acts for it.
 * - `usage_events.org_id`, `audit_log.org_id`: the organization a request or change acted for;
 *   no foreign key, so the record outlives the organization.
 * - `usage_org_daily`: the consumer's rollup of requests made for an organization, per member,
 *   provider, model, day and whether the org's key served it.
 */
export class Migration2026120750000000_orgs extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE IF NOT EXISTS byok_orgs (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        name VARCHAR(100) NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        member_keys VARCHAR(8) NOT NULL DEFAULT 'prefer' CHECK (member_keys IN ('prefer', 'allow', 'forbid')),
        platform_fallback VARCHAR(8) NOT NULL DEFAULT 'allow' CHECK (platform_fallback IN ('allow', 'never')),
        external_id VARCHAR(255) UNIQUE,
        created_by VARCHAR(255) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE IF NOT EXISTS byok_org_members (
        org_id UUID NOT NULL REFERENCES byok_orgs(id) ON DELETE CASCADE,
        user_id VARCHAR(255) NOT NULL,
        role VARCHAR(8) NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        source VARCHAR(8) NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'claim')),
        added_by VARCHAR(255),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, user_id)
      )`);
    this.addSql('CREATE INDEX IF NOT EXISTS byok_org_members_user ON byok_org_members (user_id)');

    this.addSql(`ALTER TABLE user_provider_keys
      ADD COLUMN IF NOT EXISTS org_id UUID REFERENCES byok_orgs(id) ON DELETE CASCADE,
      ADD CONSTRAINT user_provider_keys_org_owner_check CHECK (org_id IS NULL OR user_id = 'org:' || org_id::text)`);
    this.addSql('CREATE INDEX IF NOT EXISTS user_provider_keys_org ON user_provider_keys (org_id) WHERE org_id IS NOT NULL');

    this.addSql('ALTER TABLE gateway_tokens ADD COLUMN IF NOT EXISTS org_id UUID REFERENCES byok_orgs(id) ON DELETE CASCADE');
    this.addSql('ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS org_id UUID');
    this.addSql('ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS org_id UUID');
    this.addSql('CREATE INDEX IF NOT EXISTS idx_audit_log_org ON audit_log (org_id, id DESC) WHERE org_id IS NOT NULL');

    this.addSql(`
      CREATE TABLE IF NOT EXISTS usage_org_daily (
        org_id UUID NOT NULL,
        user_id VARCHAR(255) NOT NULL,
        day DATE NOT NULL,
        provider VARCHAR(50) NOT NULL,
        model VARCHAR(200) NOT NULL,
        org_key BOOLEAN NOT NULL,
        calls BIGINT NOT NULL DEFAULT 0,
        errors BIGINT NOT NULL DEFAULT 0,
        prompt_tokens BIGINT NOT NULL DEFAULT 0,
        completion_tokens BIGINT NOT NULL DEFAULT 0,
        cost_micro BIGINT NOT NULL DEFAULT 0,
        credits_micro BIGINT NOT NULL DEFAULT 0,
        last_used_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (org_id, day, user_id, provider, model, org_key)
      )`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS usage_org_daily');
    this.addSql('DROP INDEX IF EXISTS idx_audit_log_org');
    this.addSql('ALTER TABLE audit_log DROP COLUMN IF EXISTS org_id');
    this.addSql('ALTER TABLE usage_events DROP COLUMN IF EXISTS org_id');
    this.addSql('ALTER TABLE gateway_tokens DROP COLUMN IF EXISTS org_id');
    this.addSql('DELETE FROM user_provider_keys WHERE org_id IS NOT NULL');
    this.addSql('ALTER TABLE user_provider_keys DROP CONSTRAINT IF EXISTS user_provider_keys_org_owner_check');
    this.addSql('ALTER TABLE user_provider_keys DROP COLUMN IF EXISTS org_id');
    this.addSql('DROP TABLE IF EXISTS byok_org_members');
    this.addSql('DROP TABLE IF EXISTS byok_orgs');
  }
}
