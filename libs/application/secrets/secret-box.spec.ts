import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips a secret and never stores it in the clear', () => {
    const sealed = box.encrypt('hunter2-database-password');
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('hunter2');
    expect(Buffer.from(sealed.slice(3), 'base64').toString('latin1')).not.toContain('hunter2');
    expect(box.decrypt(sealed)).toBe('hunter2-database-password');
  });

  it('uses a fresh IV each time', () => expect(box.encrypt('same')).not.toBe(box.encrypt('same')));

  it('detects tampering and refuses another key', () => {
    const sealed = box.encrypt('secret');
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => box.decrypt(`v1:${bytes.toString('base64')}`)).toThrow();
    expect(() => new SecretBox(randomBytes(32)).decrypt(sealed)).toThrow();
  });

  it('fingerprints equal values equally, without revealing them', () => {
    expect(box.fingerprint('a')).toBe(box.fingerprint('a'));
    expect(box.fingerprint('a')).not.toBe(box.fingerprint('b'));
    expect(new SecretBox(randomBytes(32)).fingerprint('a')).not.toBe(box.fingerprint('a'));
  });
});
