import { constants, existsSync, lstatSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** An output path that cannot be used as asked: the message says why and what to do, in one line. */
export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
}

/** How `claimOutputDir` recognises a tool's own directory, and whether it may overwrite others. */
export interface ClaimOptions {
  /**
   * A file the tool leaves in directories it writes (`.eventide-gen`): its files there are its own
   * and a later run may replace them.
   */
  readonly marker: string;
  /** Overwrite the files even in a directory the tool did not make. */
  readonly force?: boolean;
}

/**
 * Makes `dir` ready to receive `files` (names inside it), or explains in one line why not: the
 * path is a file or lies under one; one of the files exists in a directory the tool did not make
 * (without `force`); one of them is a symbolic link (never followed) or a directory. Creates the
 * directory when missing and leaves the marker in it.
 */
export function claimOutputDir(dir: string, files: readonly string[], options: ClaimOptions): void {
  let created = false;
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new OutputPathError(`${dir} is a file, not a directory`);
  } else {
    try {
      mkdirs(dir);
      created = true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOTDIR' || code === 'EEXIST')
        throw new OutputPathError(`${dir} cannot be a directory: part of the path is a file`);
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
        throw new OutputPathError(`${dir} cannot be created: permission denied`);
      if (code === 'ENOENT') throw new OutputPathError(`${dir} cannot be created here`);
      throw e;
    }
  }
  const ours = created || existsSync(join(dir, options.marker));
  for (const f of files) {
    const path = join(dir, f);
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
      st = lstatSync(path);
    } catch {
      continue; // not there: nothing to overwrite
    }
    if (st.isSymbolicLink())
      throw new OutputPathError(
        `${path} is a symbolic link; remove it (links are never followed for output)`,
      );
    if (st.isDirectory()) throw new OutputPathError(`${path} is a directory, where an output file goes`);
    if (!ours && options.force !== true) {
      throw new OutputPathError(
        `${path} exists and ${dir} was not written by this tool; pass --force to overwrite it, or choose another --out`,
      );
    }
  }
  try {
    writeFileSync(
      join(dir, options.marker),
      'Written by an eventide tool: its output files in this directory may be replaced by its next run.\n',
    );
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new OutputPathError(`${dir} is not writable: permission denied`);
    throw e;
  }
}

/**
 * `mkdir -p`, one level at a time: Node 20's recursive mkdirSync never returns for some paths
 * (under /proc, for one).
 */
function mkdirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/**
 * Opens `path` for writing (created or truncated) without following a symbolic link: a link
 * planted where an output file goes fails the open instead of redirecting the write.
 */
export function openForWriteNoFollow(path: string): number {
  try {
    return openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    );
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ELOOP') throw new OutputPathError(`${path} is a symbolic link; not following it`);
    if (code === 'EISDIR') throw new OutputPathError(`${path} is a directory, where an output file goes`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new OutputPathError(`${path} is not writable: permission denied`);
    throw e;
  }
}
