/** A new P-256 signing key file (mode 0600) at `file`: only the default key path is created by the product itself. */
import { fileSigner } from '../../shared/evidence/signing.js';

export async function newKeyFile(file: string): Promise<string> {
  await fileSigner(file, { create: true });
  return file;
}
