/** A line of /proc/self/mountinfo, the parts the image store needs. */
export interface MountEntry {
  mountPoint: string;
  fsType: string;
  /** Per-superblock options, e.g. `lowerdir=…,upperdir=…,workdir=…` for overlay. */
  superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as `\ooo`. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/**
 * Parses /proc/self/mountinfo (proc(5)): `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL…] - TYPE SOURCE SUPEROPTS`.
 * Malformed lines are skipped. Pure.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (fields.length < 10 || dash === -1) continue;
    const mountPoint = fields[4];
    const fsType = fields[dash + 1];
    if (mountPoint === undefined || fsType === undefined) continue;
    mounts.push({ mountPoint: unescapeOctal(mountPoint), fsType, superOptions: unescapeOctal(fields[dash + 3] ?? '') });
  }
  return mounts;
}

/** Every directory some overlay mount uses as a lower layer. Pure. */
export function overlayLowerDirs(mounts: readonly MountEntry[]): Set<string> {
  const dirs = new Set<string>();
  for (const m of mounts) {
    if (m.fsType !== 'overlay') continue;
    // Option values may contain escaped commas and colons (`\,` `\:`); split on the unescaped ones.
    for (const option of m.superOptions.split(/(?<!\\),/)) {
      if (!option.startsWith('lowerdir=')) continue;
      for (const dir of option.slice('lowerdir='.length).split(/(?<!\\):/)) dirs.add(dir.replace(/\\([,:\\])/g, '$1'));
    }
  }
  return dirs;
}

export function isMountPoint(mounts: readonly MountEntry[], path: string): boolean {
  return mounts.some((m) => m.mountPoint === path);
}

export interface OverlayDirs {
  lower: string;
  upper: string;
  work: string;
  target: string;
}

/**
 * `mount -t overlay` arguments for one container's root filesystem over a read-only image tree, or
 * undefined when a directory name cannot be written in overlay's option syntax (`,` `:` or a backslash). Pure.
 */
export function overlayMountArgs(dirs: OverlayDirs): string[] | undefined {
  if ([dirs.lower, dirs.upper, dirs.work].some((path) => /[,:\\]/.test(path))) return undefined;
  return ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dirs.lower},upperdir=${dirs.upper},workdir=${dirs.work}`, dirs.target];
}
