/**
 * Signing evidence records (digests first; workpaper exports reuse it): ECDSA P-256 with
 * SHA-256, DER-encoded signatures, so that anyone checks a record with
 *
 *   openssl dgst -sha256 -verify keys/<fingerprint>.pem -signature <key>.sig <key>
 *
 * Layout in the locker: the signature is a DER file next to the signed object
 * (`<key>.sig`); the public key is a PEM file `keys/<fingerprint>.pem`, where the
 * fingerprint is the lower-case hex SHA-256 of the key's DER SubjectPublicKeyInfo
 * (`openssl pkey -pubin -in K.pem -outform DER | sha256sum`).
 *
 * Signers: a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) in Lambda, or a private key
 * file kept outside the locker (EVIDENCE_SIGNING_KEY_FILE, `locker.signingKeyFile`, or
 * `<user config dir>/evidence-locker/signing-key.pem`, the only one created, 0600, on first
 * use). A key file its group or others can read or write is refused.
 *
 * Trust: a key found in the locker proves nothing (whoever can write the locker can write a
 * key there). `trustedKeys` only returns keys obtained from outside it: the KMS key, the key
 * file, or keys whose fingerprint the configuration pins.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSign,
  sign as cryptoSign,
  verify as cryptoVerify,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { optionalEnv } from '../env.js';
import { AlreadyExistsError, ConfigError, NotFoundError } from '../errors.js';
import { type Locker, SIGNATURE_SUFFIX } from '../locker/types.js';
import { registerSecret } from '../secrets.js';
import { shellArg } from '../text/escape.js';
import { addDaysToInstant } from './days.js';

const KEYS_PREFIX = 'keys/';

export { SIGNATURE_SUFFIX };
/** Environment variables this module reads (through the env module). */
export const SIGNING_KEY_FILE_ENV = 'EVIDENCE_SIGNING_KEY_FILE';
export const SIGNING_KMS_KEY_ENV = 'EVIDENCE_SIGNING_KMS_KEY_ID';

/** A signature or key problem the caller can act on (bad key file, wrong curve). Exit 2 in the CLI. */
export class SigningKeyError extends ConfigError {
  override name = 'SigningKeyError';
}

export interface Signer {
  /** Lower-case hex SHA-256 of the public key's DER SubjectPublicKeyInfo. */
  readonly fingerprint: string;
  /** Where the key lives, for messages: `file /path` or `kms <key id>`. Never the key itself. */
  readonly source: string;
  /** The public key, SPKI PEM. */
  publicKeyPem(): string;
  /** ECDSA P-256 over SHA-256(bytes); the signature DER-encoded (as openssl dgst -sign writes it). */
  sign(bytes: Uint8Array): Promise<Uint8Array>;
  /** The same signature of a file's bytes, read in chunks (a file of any size, never held whole). */
  signFile?(file: string): Promise<Uint8Array>;
}

/** A file's signature: streamed when the signer can, else of its bytes read whole. */
export async function signFileWith(signer: Signer, file: string): Promise<Uint8Array> {
  if (signer.signFile) return signer.signFile(file);
  return signer.sign(await readFile(file));
}

/** Feed a file to `update` 1 MiB at a time. */
async function eachChunk(file: string, update: (chunk: Buffer) => void): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) update(chunk as Buffer);
}

/** `<key>.sig`, the signature of a record. */
export function signatureKey(key: string): string {
  return `${key}${SIGNATURE_SUFFIX}`;
}

/** `keys/<fingerprint>.pem`, where a record's public key is published in the locker. */
export function publicKeyKey(fingerprint: string): string {
  return `${KEYS_PREFIX}${fingerprint}.pem`;
}

/** Fingerprint of a public key: hex SHA-256 of its DER SubjectPublicKeyInfo. */
export function fingerprintOf(key: KeyObject | string | Uint8Array): string {
  const pub = toPublicKey(key);
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** A public key from PEM text or DER SPKI bytes; throws SigningKeyError unless it is EC P-256. */
export function toPublicKey(key: KeyObject | string | Uint8Array): KeyObject {
  let pub: KeyObject;
  try {
    if (typeof key === 'string') pub = createPublicKey(key);
    else if (key instanceof Uint8Array)
      pub = createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' });
    else pub = key.type === 'private' ? createPublicKey(key) : key;
  } catch (err) {
    throw new SigningKeyError(`not a public key: ${(err as Error).message}`, { cause: err });
  }
  assertP256(pub, 'public key');
  return pub;
}

function assertP256(key: KeyObject, what: string): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new SigningKeyError(
      `${what} is ${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}, expected an EC P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)`,
    );
  }
}

function pemOf(pub: KeyObject): string {
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/** True when `signature` (DER) is a valid ECDSA P-256 / SHA-256 signature of `bytes` by `key`. */
export function verifySignature(bytes: Uint8Array, signature: Uint8Array, key: KeyObject | string): boolean {
  const pub = typeof key === 'string' ? toPublicKey(key) : key;
  try {
    return cryptoVerify('sha256', bytes, { key: pub, dsaEncoding: 'der' }, signature);
  } catch {
    // A signature that is not even DER: not a valid signature.
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// File signer

/** The default key file: `<user config dir>/evidence-locker/signing-key.pem`. */
export function defaultKeyFile(): string {
  const base =
    optionalEnv('XDG_CONFIG_HOME') ??
    (process.platform === 'win32'
      ? (optionalEnv('APPDATA') ?? path.join(os.homedir(), 'AppData', 'Roaming'))
      : path.join(os.homedir(), '.config'));
  return path.join(base, 'evidence-locker', 'signing-key.pem');
}

/**
 * A signer from a PKCS#8 PEM private key file (as `openssl genpkey` writes it). With
 * `create`, a missing file is created: a new P-256 key, mode 0600, in a 0700 directory,
 * created exclusively so that two first seals cannot end up with two keys.
 */
export async function fileSigner(file: string, options: { create?: boolean } = {}): Promise<Signer> {
  let pem: string;
  try {
    pem = await readPrivateFile(file);
  } catch (err) {
    if (err instanceof SigningKeyError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !options.create) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new SigningKeyError(
        `cannot read the signing key file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${
          missing
            ? `only the default key file (${defaultKeyFile()}) is ever created: correct ${SIGNING_KEY_FILE_ENV} or locker.signingKeyFile, or create a P-256 key there (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${shellArg(file)} && chmod 600 ${shellArg(file)})`
            : `set ${SIGNING_KEY_FILE_ENV} or locker.signingKeyFile to a P-256 private key in PKCS#8 PEM`
        }`,
        { cause: err },
      );
    }
    pem = await createKeyFile(file);
  }
  registerSecret(pem);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new SigningKeyError(
      `${file} is not a private key in PEM (${(err as Error).message}); expected a P-256 key in PKCS#8 PEM`,
      {
        cause: err,
      },
    );
  }
  assertP256(key, `the signing key in ${file}`);
  const pub = createPublicKey(key);
  const publicPem = pemOf(pub);
  return {
    fingerprint: fingerprintOf(pub),
    source: `file ${file}`,
    publicKeyPem: () => publicPem,
    sign: async (bytes) => cryptoSign('sha256', bytes, { key, dsaEncoding: 'der' }),
    signFile: async (file) => {
      const signing = createSign('sha256');
      await eachChunk(file, (chunk) => signing.update(chunk));
      return signing.sign({ key, dsaEncoding: 'der' });
    },
  };
}

async function createKeyFile(file: string): Promise<string> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (err) {
    // Another process created it first: use its key.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readPrivateFile(file);
    throw new SigningKeyError(`cannot create the signing key file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return pem;
}

/** The public key of a private key file, without creating anything; undefined when there is no file. */
export async function publicKeyOfFile(file: string): Promise<KeyObject | undefined> {
  try {
    return toPublicKey(createPublicKey(await readPrivate(file)));
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/**
 * A private key file's text, refused (SigningKeyError, exit 2) when its group or others may
 * read or write it: a signing key others can read signs for them too. The mode is read from
 * the open file (no race with a chmod in between). Windows has no such mode bits.
 */
async function readPrivateFile(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { mode } = await handle.stat();
    if (process.platform !== 'win32' && (mode & 0o077) !== 0)
      throw new SigningKeyError(
        `the signing key file ${file} can be read or written by its group or others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); refused: run chmod 600 ${shellArg(file)}`,
      );
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function readPrivate(file: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readPrivateFile(file);
  } catch (err) {
    if (err instanceof SigningKeyError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(file, { cause: err });
    throw err;
  }
  registerSecret(pem);
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new SigningKeyError(`${file} is not a private key in PEM (${(err as Error).message})`, {
      cause: err,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// KMS signer

/**
 * How KMS is given the message. Real KMS takes RAW messages only up to 4,096 bytes, so the
 * production path sends the SHA-256 of the record with `DIGEST`. `RAW` exists for the moto
 * emulator only: moto 5.2.5 hashes a DIGEST message again (signing SHA-256(SHA-256(bytes))),
 * so its DIGEST signatures do not verify; its RAW signatures do.
 */
export type KmsMessageType = 'DIGEST' | 'RAW';

const KMS_RAW_LIMIT = 4096;

/** A signer backed by a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY). One GetPublicKey now, one Sign per record. */
export async function kmsSigner(
  keyId: string,
  options: { client?: KMSClient; messageType?: KmsMessageType } = {},
): Promise<Signer> {
  const client = options.client ?? new KMSClient({});
  const messageType = options.messageType ?? 'DIGEST';
  const pub = await kmsPublicKey(keyId, client);
  const publicPem = pemOf(pub);
  const signer: Signer = {
    fingerprint: fingerprintOf(pub),
    source: `kms ${keyId}`,
    publicKeyPem: () => publicPem,
    signFile: async (file) => {
      if (messageType === 'RAW') return signer.sign(await readFile(file));
      const hash = createHash('sha256');
      await eachChunk(file, (chunk) => hash.update(chunk));
      return kmsSign(hash.digest());
    },
    sign: async (bytes) => {
      let message: Uint8Array;
      if (messageType === 'DIGEST') message = createHash('sha256').update(bytes).digest();
      else if (bytes.byteLength <= KMS_RAW_LIMIT) message = bytes;
      else
        throw new SigningKeyError(
          `KMS takes RAW messages up to ${KMS_RAW_LIMIT} bytes, this one has ${bytes.byteLength}: sign with MessageType DIGEST`,
        );
      if (messageType === 'DIGEST') return kmsSign(message);
      const out = await client.send(
        new SignCommand({
          KeyId: keyId,
          Message: message,
          MessageType: messageType,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      if (!out.Signature) throw new Error(`KMS Sign with ${keyId} returned no signature`);
      return out.Signature;
    },
  };
  /** KMS Sign of a SHA-256 digest. */
  async function kmsSign(digest: Uint8Array): Promise<Uint8Array> {
    const out = await client.send(
      new SignCommand({
        KeyId: keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!out.Signature) throw new Error(`KMS Sign with ${keyId} returned no signature`);
    return out.Signature;
  }
  return signer;
}

/** The public key of a KMS key, checked to be a P-256 signing key. */
export async function kmsPublicKey(keyId: string, client: KMSClient): Promise<KeyObject> {
  const out = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (out.KeyUsage && out.KeyUsage !== 'SIGN_VERIFY')
    throw new SigningKeyError(`KMS key ${keyId} has usage ${out.KeyUsage}, expected SIGN_VERIFY`);
  if (!out.PublicKey) throw new SigningKeyError(`KMS key ${keyId} returned no public key`);
  return toPublicKey(out.PublicKey);
}

// ---------------------------------------------------------------------------------------------
// Choosing the signer, and the trusted keys

export interface SigningSettings {
  /** `locker.signingKeyFile` from the configuration. */
  keyFile?: string;
  /** `locker.trustedKeys`: fingerprints of keys whose PEM in the locker is trusted. */
  trustedKeys?: readonly string[];
  /** KMS key id or ARN; default EVIDENCE_SIGNING_KMS_KEY_ID. */
  kmsKeyId?: string;
  kmsClient?: KMSClient;
  kmsMessageType?: KmsMessageType;
}

/** The signing settings a configuration's `locker` section gives (the one mapping seal, verify and sample use). */
export function signingSettingsOf(locker: {
  signingKeyFile?: string | undefined;
  trustedKeys?: readonly string[] | undefined;
}): SigningSettings {
  return {
    ...(locker.signingKeyFile && { keyFile: locker.signingKeyFile }),
    ...(locker.trustedKeys && { trustedKeys: locker.trustedKeys }),
  };
}

/** The key file in force: EVIDENCE_SIGNING_KEY_FILE, then the config key, then the default path. */
export function keyFilePath(settings: Pick<SigningSettings, 'keyFile'> = {}): string {
  return path.resolve(optionalEnv(SIGNING_KEY_FILE_ENV) ?? settings.keyFile ?? defaultKeyFile());
}

/** Whether the key file in force is the default one (neither the variable nor the configuration names a path). */
function isDefaultKeyFile(settings: Pick<SigningSettings, 'keyFile'>): boolean {
  return optionalEnv(SIGNING_KEY_FILE_ENV) === undefined && settings.keyFile === undefined;
}

/**
 * The signer for sealing: the KMS key when one is named (EVIDENCE_SIGNING_KMS_KEY_ID, as the
 * stack sets it in Lambda), else the key file. Only the default key file is created on first
 * use: a path someone configured and mistyped is an error, never a new key that verify would
 * then not trust.
 */
export async function loadSigner(settings: SigningSettings = {}): Promise<Signer> {
  const kmsKeyId = settings.kmsKeyId ?? optionalEnv(SIGNING_KMS_KEY_ENV);
  if (kmsKeyId) {
    return kmsSigner(kmsKeyId, {
      ...(settings.kmsClient && { client: settings.kmsClient }),
      ...(settings.kmsMessageType && { messageType: settings.kmsMessageType }),
    });
  }
  return fileSigner(keyFilePath(settings), { create: isDefaultKeyFile(settings) });
}

export interface TrustedKey {
  fingerprint: string;
  key: KeyObject;
  /** Why it is trusted: `kms <id>`, `file <path>`, `pinned in locker.trustedKeys`. */
  source: string;
}

/** Keys trusted for verification, by fingerprint. */
export type TrustedKeys = ReadonlyMap<string, TrustedKey>;

/**
 * Keys from outside the locker: the KMS key (when named), the key file (when it exists: it
 * is never created here), and the pinned fingerprints, whose PEM is read from the locker and
 * trusted only when it hashes to the pin. Returns the keys and notes on what was not found.
 */
export async function trustedKeys(
  locker: Locker | undefined,
  settings: SigningSettings = {},
): Promise<{ keys: TrustedKeys; notes: string[] }> {
  const keys = new Map<string, TrustedKey>();
  const notes: string[] = [];
  const add = (key: KeyObject, source: string) => {
    const fingerprint = fingerprintOf(key);
    if (!keys.has(fingerprint)) keys.set(fingerprint, { fingerprint, key, source });
  };
  const kmsKeyId = settings.kmsKeyId ?? optionalEnv(SIGNING_KMS_KEY_ENV);
  if (kmsKeyId) add(await kmsPublicKey(kmsKeyId, settings.kmsClient ?? new KMSClient({})), `kms ${kmsKeyId}`);
  const file = keyFilePath(settings);
  const fromFile = await publicKeyOfFile(file);
  if (fromFile) add(fromFile, `file ${file}`);
  for (const pin of settings.trustedKeys ?? []) {
    const fingerprint = pin.toLowerCase();
    if (keys.has(fingerprint)) continue;
    if (!locker) {
      notes.push(`pinned key ${fingerprint}: no locker to read ${publicKeyKey(fingerprint)} from`);
      continue;
    }
    try {
      const { body } = await locker.get(publicKeyKey(fingerprint));
      const key = toPublicKey(body.toString('utf8'));
      if (fingerprintOf(key) !== fingerprint) {
        notes.push(`pinned key ${fingerprint}: ${publicKeyKey(fingerprint)} holds another key; not trusted`);
        continue;
      }
      keys.set(fingerprint, { fingerprint, key, source: 'pinned in locker.trustedKeys' });
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof SigningKeyError) {
        notes.push(`pinned key ${fingerprint}: ${publicKeyKey(fingerprint)} is missing or not a P-256 key`);
        continue;
      }
      throw err;
    }
  }
  if (keys.size === 0)
    notes.push(
      `no trusted signing key: no KMS key (${SIGNING_KMS_KEY_ENV}), no key file at ${file}, no pinned fingerprint (locker.trustedKeys); no signature can be accepted`,
    );
  return { keys, notes };
}

// ---------------------------------------------------------------------------------------------
// Signed records in the locker

/**
 * Sign `body` (the exact bytes stored under `key`) and write `<key>.sig`, and the signer's
 * public key under keys/ if it is not there yet. Retention counted from `at`.
 */
export async function writeSignature(
  locker: Locker,
  signer: Signer,
  key: string,
  body: Uint8Array,
  at: Date,
  retentionDays: number,
): Promise<{ key: string; fingerprint: string }> {
  const retainUntil = addDaysToInstant(at, retentionDays);
  await publishPublicKey(locker, signer, retainUntil);
  const signature = await signer.sign(body);
  const sigKey = signatureKey(key);
  await locker.put(sigKey, signature, { retainUntil, contentType: 'application/octet-stream' });
  return { key: sigKey, fingerprint: signer.fingerprint };
}

/** Write keys/<fingerprint>.pem once. A copy already there is left as it is (verify never trusts it anyway). */
export async function publishPublicKey(locker: Locker, signer: Signer, retainUntil: Date): Promise<string> {
  const key = publicKeyKey(signer.fingerprint);
  try {
    await locker.put(key, Buffer.from(signer.publicKeyPem(), 'utf8'), {
      retainUntil,
      contentType: 'application/x-pem-file',
    });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  return key;
}

export type SignatureStatus =
  | { status: 'valid'; fingerprint: string }
  | { status: 'unsigned' }
  | { status: 'bad-signature' }
  | { status: 'untrusted-key'; fingerprint: string };

/**
 * Judge one signature: valid under a trusted key; else, when `candidates` (keys found in the
 * locker) has a key that verifies it, signed by an untrusted key; else a bad signature.
 */
export function judgeSignature(
  body: Uint8Array,
  signature: Uint8Array | undefined,
  trusted: TrustedKeys,
  candidates: ReadonlyMap<string, KeyObject> = new Map(),
): SignatureStatus {
  if (!signature) return { status: 'unsigned' };
  for (const t of trusted.values()) {
    if (verifySignature(body, signature, t.key)) return { status: 'valid', fingerprint: t.fingerprint };
  }
  for (const [fingerprint, key] of candidates) {
    if (!trusted.has(fingerprint) && verifySignature(body, signature, key))
      return { status: 'untrusted-key', fingerprint };
  }
  return { status: 'bad-signature' };
}

/** Every public key published under keys/ in the locker (for naming an untrusted signer), by fingerprint. */
export async function lockerKeys(locker: Locker): Promise<Map<string, KeyObject>> {
  const out = new Map<string, KeyObject>();
  for await (const item of locker.list(KEYS_PREFIX)) {
    if (!item.key.endsWith('.pem')) continue;
    try {
      const key = toPublicKey((await locker.get(item.key)).body.toString('utf8'));
      out.set(fingerprintOf(key), key);
    } catch (err) {
      if (err instanceof SigningKeyError || err instanceof NotFoundError) continue;
      throw err;
    }
  }
  return out;
}
