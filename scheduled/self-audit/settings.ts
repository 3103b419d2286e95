/**
 * What a self-audit run checks against: the compliance profiles, the keys' cryptoperiod (by
 * default the profiles' strictest), the days after which an enabled provider without an
 * accepted delivery is flagged, and the integrity window. The handler reads them from its
 * variables (functions/config/self-audit.ts); `webhooks compliance audit` from its flags.
 */

import {
  type ComplianceProfileName,
  defaultComplianceProfiles,
  isComplianceProfileName,
  keyCryptoperiod,
} from '../../compliance/profiles.ts';
import { InvalidSettingError } from '../../functions/config/errors.ts';
import { selfAudit } from '../../functions/config/self-audit.ts';

export interface SelfAuditSettings {
  readonly profiles: readonly ComplianceProfileName[];
  readonly cryptoperiodDays: number;
  readonly idleProviderDays: number;
  readonly integrityWindowSeconds: number;
}

/**
 * The profiles' cryptoperiod for provider keys: the shortest any of them asks for
 * (compliance/profiles.ts `keyCryptoperiod`, which the construct's default reads too).
 */
export function profileCryptoperiodDays(profiles: readonly ComplianceProfileName[]): number {
  return keyCryptoperiod(profiles.length === 0 ? defaultComplianceProfiles : profiles).days;
}

/** The settings for `profiles`, each default replaced where an override is given. */
export function selfAuditSettings(
  profiles: readonly ComplianceProfileName[],
  overrides: { readonly cryptoperiodDays?: number; readonly idleProviderDays?: number } = {},
): SelfAuditSettings {
  return {
    profiles,
    cryptoperiodDays: overrides.cryptoperiodDays ?? profileCryptoperiodDays(profiles),
    idleProviderDays: overrides.idleProviderDays ?? selfAudit.defaultIdleProviderDays,
    integrityWindowSeconds: selfAudit.integrityWindowSeconds,
  };
}

/** The handler's settings from its variables; InvalidSettingError naming a bad one. */
export function settingsFrom(env: Readonly<Record<string, string | undefined>>): SelfAuditSettings {
  const listed = env[selfAudit.profilesVariable];
  const names = (listed ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !isComplianceProfileName(name));
  if (unknown.length > 0) {
    throw new InvalidSettingError(
      selfAudit.profilesVariable,
      listed ?? '',
      'compliance profile names, comma-separated',
    );
  }
  const profiles =
    names.length === 0 ? defaultComplianceProfiles : (names as ComplianceProfileName[]);
  const days = (name: string) => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new InvalidSettingError(name, text, 'a positive whole number of days');
    }
    return value;
  };
  const cryptoperiodDays = days(selfAudit.cryptoperiodVariable);
  const idleProviderDays = days(selfAudit.idleDaysVariable);
  return selfAuditSettings(profiles, {
    ...(cryptoperiodDays === undefined ? {} : { cryptoperiodDays }),
    ...(idleProviderDays === undefined ? {} : { idleProviderDays }),
  });
}
