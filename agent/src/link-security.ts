import { X509Certificate } from 'node:crypto';
import { CorralError, ErrorCode, type Result, err, ok } from '../../protocol/src/index.js';
import type { AgentConfig } from './config.js';

/** What the broker link adds to its connect options: the pinned CA (the only trust anchor) and the node's login. */
export interface LinkSecurity {
  ca?: string;
  username?: string;
  password?: string;
}

function invalid(path: string, message: string, cause?: unknown): Result<never> {
  return err(new CorralError(ErrorCode.ConfigInvalid, `config: ${path}: ${message}`, { path, cause }));
}

/**
 * Secure mode (no `--insecure`) needs an `mqtts://` hub and the hub's CA (`ca` file or inline
 * `caPem`); `--insecure` allows `mqtt://`. The CA file is read through `readText` (the one I/O).
 * Errors are CORRAL_CONFIG_INVALID naming the field.
 */
export async function resolveLinkSecurity(config: AgentConfig, readText: (path: string) => Promise<string>): Promise<Result<LinkSecurity>> {
  if (!config.insecure && !config.hub.startsWith('mqtts://')) {
    return invalid('hub', `${config.hub} is plain MQTT: use mqtts://HOST:PORT, or pass --insecure (local development only)`);
  }
  let ca = config.caPem;
  if (config.ca !== undefined) {
    try {
      ca = await readText(config.ca);
    } catch (error) {
      return invalid('ca', `cannot read ${config.ca} (${(error as Error).message})`, error);
    }
  }
  if (ca !== undefined) {
    try {
      if (!new X509Certificate(ca).ca) return invalid(config.ca === undefined ? 'caPem' : 'ca', 'is not a CA certificate');
    } catch (error) {
      return invalid(config.ca === undefined ? 'caPem' : 'ca', `is not a PEM certificate (${(error as Error).message})`, error);
    }
  }
  if (!config.insecure && ca === undefined) {
    return invalid('ca', "secure mode pins the hub's CA: set --ca FILE (env CORRAL_CA, YAML ca or caPem) from the hub's <dataDir>/pki/ca.pem");
  }
  return ok({ ...(ca === undefined ? {} : { ca }), ...(config.credentials ?? {}) });
}
