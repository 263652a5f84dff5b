import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVault,
  findConsentByCredentialsId,
  openSessionNonce,
  openSessionReturnToken,
  readConsentSecrets,
  rotateVaultKeys,
  sealSessionNonce,
  sealSessionReturnToken,
  secretAad,
  storeConsent,
  UserSkill,
  VaultError,
} from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { key, seedOwner } from './helpers';

describe('vault', () => {
  const aad = secretAad('user_skills', '7b0b6a8e-0000-4000-8000-000000000001', 'access_token_enc');

  it('round-trips a secret and never stores it in the clear', () => {
    const vault = createVault([key('k1')]);
    const secret = 'MDAxNmxvY2F0aW9uIGZpbnF3YXJl-access-token';
    const stored = vault.encrypt(secret, aad);
    expect(stored).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(stored).not.toContain(secret);
    expect(vault.decrypt(stored, aad)).toBe(secret);
    expect(vault.keyIdOf(stored)).toBe('k1');
  });

  it('uses a fresh IV per value', () => {
    const vault = createVault([key('k1')]);
    const a = vault.encrypt('same', aad);
    const b = vault.encrypt('same', aad);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('round-trips empty and non-ASCII plaintexts', () => {
    const vault = createVault([key('k1')]);
    for (const text of ['', 'ă î ș ț — 🔑', 'x'.repeat(10_000)]) {
      expect(vault.decrypt(vault.encrypt(text, aad), aad)).toBe(text);
    }
  });

  describe('fails loudly on tampering', () => {
    const vault = createVault([key('k1')]);
    const stored = vault.encrypt('secret-token-value', aad);
    const parts = stored.split('.');
    const flip = (index: number) => {
      const bytes = Buffer.from(parts[index] as string, 'base64url');
      bytes[0] = (bytes[0] as number) ^ 0x01;
      const copy = [...parts];
      copy[index] = bytes.toString('base64url');
      return copy.join('.');
    };

    it.each([
      ['iv', 2],
      ['ciphertext', 3],
      ['tag', 4],
    ])('a flipped bit in the %s', (_name, index) => {
      expect(() => vault.decrypt(flip(index), aad)).toThrow(VaultError);
      expect(() => vault.decrypt(flip(index), aad)).toThrow(/failed authentication/);
    });

    it('the value moved to another row or column (associated data)', () => {
      expect(() =>
        vault.decrypt(
          stored,
          secretAad('user_skills', '7b0b6a8e-0000-4000-8000-000000000002', 'access_token_enc'),
        ),
      ).toThrow(/failed authentication/);
      expect(() =>
        vault.decrypt(
          stored,
          secretAad('user_skills', '7b0b6a8e-0000-4000-8000-000000000001', 'credentials_id_enc'),
        ),
      ).toThrow(/failed authentication/);
    });

    it('the key id relabelled to another configured key', () => {
      const k1 = key('k1');
      const k2 = { id: 'k2', key: k1.key };
      const both = createVault([k2, k1]);
      const relabelled = both.encrypt('secret', aad).replace('v1.k1.', 'v1.k2.');
      expect(() => both.decrypt(relabelled, aad)).toThrow(/failed authentication/);
    });

    it('a truncated or malformed value, and an unknown key id', () => {
      expect(() => vault.decrypt(parts.slice(0, 4).join('.'), aad)).toThrow(/format/);
      expect(() => vault.decrypt(`v2.${parts.slice(1).join('.')}`, aad)).toThrow(/format/);
      expect(() => vault.decrypt(stored.replace('v1.k1.', 'v1.gone.'), aad)).toThrow(/unknown key id "gone"/);
    });

    it('error messages never contain the plaintext or the ciphertext', () => {
      try {
        vault.decrypt(flip(3), aad);
        expect.unreachable();
      } catch (error) {
        expect(String(error)).not.toContain('secret-token-value');
        expect(String(error)).not.toContain(parts[3]);
      }
    });
  });

  it('decrypts with every configured key and encrypts with the last one', () => {
    const k1 = key('k1');
    const old = createVault([k1]).encrypt('s', aad);
    const rotated = createVault([k1, key('k2')]);
    expect(rotated.currentKeyId).toBe('k2');
    expect(rotated.decrypt(old, aad)).toBe('s');
    expect(rotated.keyIdOf(rotated.encrypt('s', aad))).toBe('k2');
  });

  it('rejects bad key sets', () => {
    expect(() => createVault([])).toThrow(/at least one key/);
    expect(() => createVault([{ id: 'k', key: Buffer.alloc(16) }])).toThrow(/32 bytes/);
    expect(() => createVault([key('k'), key('k')])).toThrow(/duplicate/);
    expect(() => createVault([key('bad.id')])).toThrow(/invalid key id/);
  });
});

describe('consent secrets and key rotation (database)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('stores a consent encrypted and bound to its row, and reads it back', async () => {
    const em = db.orm.em.fork();
    const { userId, skillId } = await seedOwner(em);
    const vault = createVault([key('k1')]);
    const consent = await storeConsent(em, vault, {
      user: userId,
      skill: skillId,
      credentialsId: 'cred-1234',
      accessToken: 'token-abcd',
      consentExp: '2030-01-01T00:00:00Z',
    });
    const [raw] = await em.execute(`select * from user_skills where id = ?`, [consent.id]);
    if (!raw) throw new Error('consent row missing');
    expect(JSON.stringify(raw)).not.toContain('cred-1234');
    expect(JSON.stringify(raw)).not.toContain('token-abcd');
    expect(raw.vault_key_id).toBe('k1');
    expect(new Date(raw.consent_exp).toISOString()).toBe('2030-01-01T00:00:00.000Z');

    const loaded = await db.orm.em.fork().findOneOrFail(UserSkill, consent.id);
    expect(readConsentSecrets(vault, loaded)).toEqual({
      credentialsId: 'cred-1234',
      accessToken: 'token-abcd',
    });
    expect(JSON.stringify(loaded)).not.toContain(raw.access_token_enc);
    expect((await findConsentByCredentialsId(db.orm.em.fork(), vault, 'cred-1234'))?.id).toBe(consent.id);

    // A ciphertext copied onto another row does not decrypt there.
    const other = await storeConsent(em, vault, {
      user: userId,
      skill: skillId,
      credentialsId: 'c2',
      accessToken: 't2',
    });
    await em.execute(`update user_skills set access_token_enc = ? where id = ?`, [
      raw.access_token_enc,
      other.id,
    ]);
    const moved = await db.orm.em.fork().findOneOrFail(UserSkill, other.id);
    expect(() => readConsentSecrets(vault, moved)).toThrow(VaultError);
  });

  it('seals and opens session nonces', () => {
    const vault = createVault([key('k1')]);
    const id = randomUUID();
    const nonceEnc = sealSessionNonce(vault, id, 'nonce-1');
    expect(openSessionNonce(vault, { id, nonceEnc })).toBe('nonce-1');
    expect(openSessionNonce(vault, { id, nonceEnc: null })).toBeUndefined();
    expect(() => openSessionNonce(vault, { id: randomUUID(), nonceEnc })).toThrow(VaultError);
  });

  it('rotates 1,000 consents (and session nonces) to the newest key in batches; the old key can then go', async () => {
    const fresh = await createTestDatabase();
    try {
      const em = fresh.orm.em.fork();
      const { userId, skillId } = await seedOwner(em);
      const k1 = key('old_1');
      const k2 = key('new_2');
      const oldVault = createVault([k1]);

      const rows = Array.from({ length: 1000 }, (_, i) => ({
        id: randomUUID(),
        credentialsId: `cred-${i}`,
        accessToken: `token-${i}`,
      }));
      // Bulk-insert through the same sealing code storeConsent uses.
      const { sealConsentSecrets } = await import('../src');
      for (let i = 0; i < rows.length; i += 250) {
        const chunk = rows.slice(i, i + 250);
        await em.execute(
          `insert into user_skills (id, user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id)
           values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flatMap((r) => {
            const s = sealConsentSecrets(oldVault, r.id, r);
            return [
              r.id,
              userId,
              skillId,
              s.credentialsIdHash,
              s.credentialsIdEnc,
              s.accessTokenEnc,
              s.vaultKeyId,
            ];
          }),
        );
      }
      const sessionId = randomUUID();
      await em.execute(
        `insert into sessions (id, user_id, skill_id, finqware_session_id, nonce_enc, return_token_enc, expires_at)
         values (?, ?, ?, 'fs-1', ?, ?, now())`,
        [
          sessionId,
          userId,
          skillId,
          sealSessionNonce(oldVault, sessionId, 'nonce-x'),
          sealSessionReturnToken(oldVault, sessionId, 'temp-token-x'),
        ],
      );

      const paymentId = randomUUID();
      const { sealPaymentSecrets, readPaymentSecrets } = await import('../src');
      const sealedPayment = sealPaymentSecrets(oldVault, paymentId, {
        credentialsId: 'pay-cred',
        accessToken: 'pay-tok',
      });
      await em.execute(
        `insert into payments (id, user_id, skill_id, idempotency_key, request_hash, debtor_iban, creditor_name,
           creditor_iban, amount, currency, credentials_id_enc, access_token_enc, vault_key_id)
         values (?, ?, ?, 'k', 'h', 'RO03RZBR0000069999999999', 'n', 'RO10RZBR0000069999999970', 1, 'RON', ?, ?, ?)`,
        [
          paymentId,
          userId,
          skillId,
          sealedPayment.credentials_id_enc,
          sealedPayment.access_token_enc,
          sealedPayment.vault_key_id,
        ],
      );

      const both = createVault([k1, k2]);
      const progress: number[] = [];
      const result = await rotateVaultKeys(fresh.orm, both, {
        batchSize: 300,
        onProgress: (p) => p.table === 'user_skills' && progress.push(p.rotated),
      });
      expect(result).toEqual({ rotated: 1002, byTable: { user_skills: 1000, sessions: 1, payments: 1 } });
      const [payment] = await em.execute<
        { id: string; credentials_id_enc: string; access_token_enc: string }[]
      >('select id, credentials_id_enc, access_token_enc from payments');
      expect(readPaymentSecrets(createVault([k2]), payment!)).toEqual({
        credentialsId: 'pay-cred',
        accessToken: 'pay-tok',
      });
      expect(progress).toEqual([300, 600, 900, 1000]);
      const [rotatedSession] = await em.execute<{ nonce_enc: string; return_token_enc: string }[]>(
        'select nonce_enc, return_token_enc from sessions where id = ?',
        [sessionId],
      );
      expect(
        openSessionNonce(createVault([k2]), { id: sessionId, nonceEnc: rotatedSession!.nonce_enc }),
      ).toBe('nonce-x');
      expect(openSessionReturnToken(createVault([k2]), sessionId, rotatedSession!.return_token_enc)).toBe(
        'temp-token-x',
      );

      // Nothing left on the old key; a second run has nothing to do.
      const [counts] = await em.execute(
        `select count(*) filter (where vault_key_id = 'new_2')::int as on_new,
                count(*) filter (where access_token_enc like 'v1.new\\_2.%' and credentials_id_enc like 'v1.new\\_2.%')::int as values_on_new
         from user_skills`,
      );
      expect(counts).toEqual({ on_new: 1000, values_on_new: 1000 });
      expect((await rotateVaultKeys(fresh.orm, both)).rotated).toBe(0);

      // Everything reads back with the new key alone.
      const newOnly = createVault([k2]);
      const loaded = await fresh.orm.em.fork().find(UserSkill, {}, { orderBy: { id: 'asc' } });
      const expected = new Map<string, (typeof rows)[number]>(rows.map((r) => [r.id, r]));
      for (const consent of loaded) {
        const want = expected.get(consent.id);
        expect(readConsentSecrets(newOnly, consent)).toEqual({
          credentialsId: want?.credentialsId,
          accessToken: want?.accessToken,
        });
      }
      const [session] = await em.execute<{ id: string; nonceEnc: string }[]>(
        `select id, nonce_enc as "nonceEnc" from sessions`,
      );
      if (!session) throw new Error('session row missing');
      expect(openSessionNonce(newOnly, session)).toBe('nonce-x');
      // credentials_id lookups work under the new HMAC key alone.
      expect((await findConsentByCredentialsId(fresh.orm.em.fork(), newOnly, 'cred-999'))?.id).toBe(
        rows[999]?.id,
      );
    } finally {
      await fresh.drop();
    }
  });
});
