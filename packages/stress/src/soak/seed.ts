import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Skill, storeConsent, User, type Vault } from '@tenant/domain';
import type { RunningSandbox } from '@tenant/finqware-sandbox';

/** The sandbox's account-information skills: every flow kind (redirect, form + OTP, implicit, identification). */
export const AISP_SKILLS = [
  'rzb_ro_aisp_sbx_#1.0',
  'bt_ro_aisp_sbx_#2.0',
  'ing_ro_aisp_sbx_#2.0',
  'erste_hr_aisp_sbx_#1.0',
] as const;

export type SeededConsent = { consentId: string; credentialsId: string; userId: string; skill: string };

/**
 * Users (one per `perUser` consents) and ACTIVE consents minted by the sandbox, stored the way a
 * completed connect flow stores them (through the vault). Skills rotate, so a user with five
 * consents holds two on one skill — the same bank accounts and utx_ids seen through two consents.
 */
export async function seedConsents(
  em: EntityManager,
  vault: Vault,
  sandbox: RunningSandbox,
  options: { consents: number; perUser: number },
): Promise<SeededConsent[]> {
  const skills = new Map<string, string>();
  for (const skill of await em.find(Skill, { code: { $in: [...AISP_SKILLS] } }))
    skills.set(skill.code, skill.id);
  const seeded: SeededConsent[] = [];
  let user: User | undefined;
  for (let i = 0; i < options.consents; i++) {
    if (i % options.perUser === 0) {
      user = em.create(User, {
        email: `soak-${i / options.perUser}-${randomUUID().slice(0, 8)}@example.test`,
        passwordHash: 'soak-user-without-login',
        tenantUserId: randomUUID(),
      });
      await em.persist(user).flush();
    }
    const owner = user as User;
    const skill = AISP_SKILLS[i % AISP_SKILLS.length] as string;
    const skillId = skills.get(skill);
    if (!skillId) throw new Error(`catalog has no skill ${skill}`);
    const minted = sandbox.control.createConsent({ tenantUserId: owner.tenantUserId, skill });
    const consent = await storeConsent(em, vault, {
      user: owner.id,
      skill: skillId,
      credentialsId: minted.credentialsId,
      accessToken: minted.accessToken,
      consentExp: minted.consentExp,
      maxDataRetention: minted.maxDataRetention,
    });
    seeded.push({ consentId: consent.id, credentialsId: minted.credentialsId, userId: owner.id, skill });
  }
  return seeded;
}
