import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'shp_';

/** `shp_` + 256 random bits (base64url); only its SHA-256 and a short prefix are ever stored. */
export const generateTokenSecret = (): { secret: string; hash: string; prefix: string } => {
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashTokenSecret(secret), prefix: secret.slice(0, TOKEN_PREFIX.length + 8) };
};

/** The SHA-256 of a secret: what is stored (hex), and what secrets are compared by (so lengths never leak). */
export const secretDigest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

export const hashTokenSecret = (secret: string): string => secretDigest(secret).toString('hex');

/** Constant-time comparison of two secrets' digests. */
export const sameDigest = (a: Buffer, b: Buffer): boolean => timingSafeEqual(a, b);
