// Credentials out of everything printed. A connection string may carry a password in its userinfo
// (`postgres://user:secret@host/db`, `redis://:secret@host`) or in its query (`?password=secret`,
// as libpq and several drivers accept). Access tokens in a page's address (`?token=`) are not
// connection credentials: a program prints them on purpose, for the user to open the page. Laws: the result never contains the secret of any URL in
// the text; a text without credentials comes back unchanged; redacting twice equals redacting once.

// `scheme://user:password@`: the user ends at the first ':', the password at the last '@' before
// the host, which may be past a '/', '?', '#' or even a space in the password; it never runs into
// the next option (` --`) or the next URL.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s@:/?#]*):((?:(?!\s--|:\/\/)[^\n])*?)@(?=[^\s@]*(?:\s|$))/gi;
const QUERY_SECRET = /([?&;](?:password|passwd|pwd|pass|secret|sslpassword)=)[^&\s#;]*/gi;

/**
 * The text with every password in a URL replaced by `***`: the part after the user name in
 * `scheme://user:password@host`, and `password=` (and `secret=`) query parameters. Use it
 * on every line a program prints that may hold a connection string.
 *
 * @param text - a URL, a command line, or a message that quotes either
 * @returns the same text without secrets; a user name stays, for context
 * @example
 * redactCredentials('resume with: --db postgres://app:s3cret@db:5432/x'); // '… postgres://app:***@db:5432/x'
 */
export function redactCredentials(text: string): string {
  return text
    .replace(USERINFO, (_, scheme: string, user: string) => `${scheme}${user}:***@`)
    .replace(QUERY_SECRET, '$1***');
}

/**
 * A connection URL given without its password, completed from another one (typically an
 * environment variable such as `EVENTIDE_DB_URL`), so that secrets need not appear on a command
 * line where `ps` shows them. The password (and user name, when the URL has none) is taken only
 * when both name the same scheme, host and port; otherwise `url` comes back as it is.
 *
 * @param url - the URL from the command line, e.g. `redis://127.0.0.1:6379/readings`
 * @param from - the URL holding the credentials, e.g. `process.env.EVENTIDE_REDIS_URL`
 * @returns `url` with the credentials of `from`, or `url` unchanged
 * @example
 * withCredentialsFrom('redis://h:6379/readings', 'redis://:s3cret@h:6379'); // 'redis://:s3cret@h:6379/readings'
 */
export function withCredentialsFrom(url: string, from: string | undefined): string {
  if (from === undefined || from === '') return url;
  let u: URL;
  let f: URL;
  try {
    u = new URL(url);
    f = new URL(from);
  } catch {
    return url;
  }
  if (u.password !== '' || f.password === '') return url;
  // drivers read the host and port from the query too (pg: ?host=, ?port=): never send the
  // password to an address other than the one compared here
  for (const p of ['host', 'hostaddr', 'port'])
    if (u.searchParams.has(p) || f.searchParams.has(p)) return url;
  if (u.protocol !== f.protocol || u.hostname !== f.hostname || u.port !== f.port) return url;
  if (u.username === '') u.username = f.username;
  else if (u.username !== f.username) return url;
  u.password = f.password;
  return u.toString();
}
