import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactCredentials, withCredentialsFrom } from '../../src/index';

// a secret that cannot appear in the rest of the text by chance
const secret = fc
  .string({ unit: fc.constantFrom(...'abcdefghijkXYZ0123456789!$&()*+,;=~-_.'), minLength: 4, maxLength: 24 })
  .map((s) => `Q${s}Q`);
const scheme = fc.constantFrom('postgres', 'postgresql', 'redis', 'rediss', 'kafka', 'https');
const host = fc.constantFrom('127.0.0.1', 'db.example', '[::1]', 'h');

describe('redactCredentials', () => {
  it('hides the password of every URL in a line, keeps the user, host and path', () => {
    fc.assert(
      fc.property(
        scheme,
        fc.constantFrom('', 'app', 'u.ser'),
        secret,
        host,
        secret,
        (sc, user, pw, h, pw2) => {
          const a = `${sc}://${user}:${pw}@${h}:5432/db`;
          const b = `redis://:${pw2}@${h}:6379/readings`;
          const out = redactCredentials(`resume with: --db ${a} --source ${b}`);
          expect(out).not.toContain(pw);
          expect(out).not.toContain(pw2);
          expect(out).toBe(
            `resume with: --db ${sc}://${user}:***@${h}:5432/db --source redis://:***@${h}:6379/readings`,
          );
        },
      ),
    );
  });

  it('hides a password that holds an unescaped @, as URL parsers read it (the last @ ends the userinfo)', () => {
    expect(redactCredentials('postgres://u:p@ss@h/db')).toBe('postgres://u:***@h/db');
    expect(new URL('postgres://u:p@ss@h/db').hostname).toBe('h');
  });

  it('hides password= and secret= query parameters, not a page’s access token', () => {
    expect(redactCredentials('postgres://h/db?user=a&password=hunter2&sslmode=require')).toBe(
      'postgres://h/db?user=a&password=***&sslmode=require',
    );
    expect(redactCredentials('kafka://h:9092/t?secret=abc')).toBe('kafka://h:9092/t?secret=***');
    // the dashboard prints its address with the token on purpose
    expect(redactCredentials('dashboard: http://127.0.0.1:4180/?token=abc')).toBe(
      'dashboard: http://127.0.0.1:4180/?token=abc',
    );
  });

  it('leaves text without credentials as it is, and is idempotent', () => {
    for (const t of [
      './out/eventide.db',
      'postgres://app@h/db',
      'redis://127.0.0.1:6379/x',
      'a:b@c',
      'mailto:x@y',
    ]) {
      expect(redactCredentials(t)).toBe(t);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (t) => {
        const once = redactCredentials(t);
        expect(redactCredentials(once)).toBe(once);
      }),
    );
  });
});

describe('withCredentialsFrom', () => {
  it('completes a URL without a password from one naming the same scheme, host and port', () => {
    expect(withCredentialsFrom('redis://127.0.0.1:6379/readings', 'redis://:pw@127.0.0.1:6379')).toBe(
      'redis://:pw@127.0.0.1:6379/readings',
    );
    expect(withCredentialsFrom('postgres://h:5432/db', 'postgres://app:pw@h:5432/other')).toBe(
      'postgres://app:pw@h:5432/db',
    );
    expect(withCredentialsFrom('postgres://app@h:5432/db', 'postgres://app:pw@h:5432')).toBe(
      'postgres://app:pw@h:5432/db',
    );
  });

  it('never sends a password to another host, port, scheme or user, nor replaces one given', () => {
    const from = 'redis://:pw@h:6379';
    for (const url of [
      'redis://other:6379/x',
      'redis://h:6380/x',
      'rediss://h:6379/x',
      'redis://:given@h:6379/x',
      'not a url',
    ])
      expect(withCredentialsFrom(url, from)).toBe(url);
    expect(withCredentialsFrom('postgres://bob@h/db', 'postgres://alice:pw@h')).toBe('postgres://bob@h/db');
    expect(withCredentialsFrom('redis://h:6379/x', undefined)).toBe('redis://h:6379/x');
  });
});

describe('redactCredentials, passwords with URL delimiters', () => {
  it('hides a password holding /, ?, # or a space, up to the last @ before the host', () => {
    expect(redactCredentials('PostgreSQL postgres://u:p ss@127.0.0.1:1/db: gave up')).toBe(
      'PostgreSQL postgres://u:***@127.0.0.1:1/db: gave up',
    );
    expect(redactCredentials('on redis://:pa/ss@127.0.0.1:1/readings')).toBe(
      'on redis://:***@127.0.0.1:1/readings',
    );
    expect(redactCredentials('redis://:a?b#c@h:1/x --group g')).toBe('redis://:***@h:1/x --group g');
    expect(redactCredentials('postgres://u:p:x@h/db')).toBe('postgres://u:***@h/db');
    // it stops at the next option and the next URL
    expect(redactCredentials('--db postgres://h/db --source redis://:q@h2:6379/r')).toBe(
      '--db postgres://h/db --source redis://:***@h2:6379/r',
    );
  });

  it('withCredentialsFrom sends no password to a URL whose query names a host or port', () => {
    const from = 'postgres://app:s3cret@db.internal:5432/metering';
    const url = 'postgres://app@db.internal:5432/metering?host=127.0.0.2&port=5433';
    expect(withCredentialsFrom(url, from)).toBe(url);
  });
});
