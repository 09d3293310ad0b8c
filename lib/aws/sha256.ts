import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

import type { Checksum, SourceData } from '@smithy/types';

/**
 * SHA-256, or HMAC-SHA256 when given a secret, on node:crypto: the hash `@smithy/signature-v4`
 * asks for (a `ChecksumConstructor`). Used instead of `@smithy/core/checksum`'s, so a bundle that
 * signs (the receiver's) does not carry `@smithy/core` for a hash Node already has.
 *
 * @example
 * new SignatureV4({ service: 'ssm', region, credentials, sha256: Sha256 });
 */
export class Sha256 implements Checksum {
  private readonly secret: string | Uint8Array | undefined;
  private hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.secret = ArrayBuffer.isView(secret)
      ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
      : secret instanceof ArrayBuffer
        ? new Uint8Array(secret)
        : secret;
    this.hash = this.start();
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }

  reset(): void {
    this.hash = this.start();
  }

  private start(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}
