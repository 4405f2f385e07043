import type { Config, MaskedConfig } from './config-types.js';

/** Returns a copy of the config that is safe to print: every password reads `[secret]`. */
export function maskConfig(config: Config): MaskedConfig {
  return {
    ...config,
    log: { ...config.log },
    vcenters: config.vcenters.map((vcenter) => ({
      ...vcenter,
      password: vcenter.password.toString(),
      tls: { ...vcenter.tls },
    })),
    // Secret.toJSON masks every channel URL, signing secret and routing key.
    notifications: JSON.parse(JSON.stringify(config.notifications)) as unknown,
  };
}
