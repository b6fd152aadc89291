import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'shp_';

/** `shp_` + 256 random bits (base64url); only its SHA-256 and a short prefix are ever stored. */
export const generateTokenSecret = (): { secret: string; hash: string; prefix: string } => {
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashTokenSecret(secret), prefix: secret.slice(0, TOKEN_PREFIX.length + 8) };
};

export const hashTokenSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Constant-time comparison of two secrets (by their hashes, so lengths never leak). */
export const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
