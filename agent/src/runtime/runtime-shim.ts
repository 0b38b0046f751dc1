/**
 * The per-container shim: how a detached container's exit code is kept.
 *
 * `runc create` returns once the container's init waits to be started; the
 * init is then an orphan, and whoever reaps it gets its exit status. Neither
 * runc nor crun writes that status anywhere, and `runc events` does not carry
 * it. So each container gets a small supervisor that:
 *
 *  1. marks itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so the
 *     orphaned init is re-parented to it rather than to PID 1;
 *  2. runs `<runtime> create` (stdio: the container's log files, inherited
 *     from the agent's spawn, so no pipe ties the container to the agent);
 *  3. reports `created <pid>` or `failed …` on fd 3, a pipe the agent reads to
 *     EOF, and closes it — fd 3 is close-on-exec, so neither the runtime nor the
 *     container inherits it;
 *  4. waitpid()s for the init and writes its status (128+n for signal n) to
 *     `<shim>/exit` with write-then-rename, then exits.
 *
 * The agent spawns it detached (own session and process group) and unref'd:
 * restarting or killing the agent leaves shim and container running, and a new
 * agent reads state from the runtime and the exit code from the file.
 *
 * Why not `runc run` under a sh shim, which gets the status for free? Because
 * run deletes the container — state and cgroup — the moment it exits, before
 * anyone can read `memory.oom_control`/`memory.events` to tell an OOM kill from
 * any other SIGKILL. runc has `run --keep`, but crun gained it only in 1.15 and
 * Debian 12 ships 1.8.1. With create + start the container stays `stopped`,
 * cgroup intact, until the agent's `delete`, on both runtimes; and create
 * errors surface from `create`, start errors from `start`.
 *
 * Why perl? A subreaper needs one prctl(2) call, which neither sh nor Node can
 * make (Node has no FFI, and shipping a compiled helper per architecture is
 * worse). perl-base is Essential on Debian, Ubuntu and Raspberry Pi OS; it is
 * used with core builtins only, and the prctl syscall number is passed in from
 * the table below. Where perl is missing, `create` fails with CORRAL_RUNTIME_UNAVAILABLE.
 */

/** prctl(2)'s syscall number per Node architecture (Linux's unistd tables). */
const PRCTL_SYSCALL: Readonly<Record<string, number>> = {
  x64: 157,
  ia32: 172,
  arm: 172,
  arm64: 167,
  riscv64: 167,
  loong64: 167,
  ppc64: 171,
  s390x: 172,
  mips: 4192,
  mipsel: 4192,
};

export function prctlSyscallNumber(arch: string): number | undefined {
  return PRCTL_SYSCALL[arch];
}

/** The files a shim keeps in its directory, `<stateDir>/shims/<id>/`. */
export interface ShimFiles {
  dir: string;
  /** The shim's pid (its process group and session id too). */
  shimPid: string;
  /** Host pid of the container's init, written by the runtime (`--pid-file`). */
  initPid: string;
  /** The init's exit status, once it exited. */
  exit: string;
  /** The runtime's own log for `create` (`--log`). */
  runtimeLog: string;
  /** The bundle the container was created from. */
  bundle: string;
  /** Touched by `start`: its mtime is the start time. */
  started: string;
}

export function shimFiles(dir: string): ShimFiles {
  return {
    dir,
    shimPid: `${dir}/shim.pid`,
    initPid: `${dir}/init.pid`,
    exit: `${dir}/exit`,
    runtimeLog: `${dir}/runtime.log`,
    bundle: `${dir}/bundle`,
    started: `${dir}/started`,
  };
}

/** `perl -e SHIM_SCRIPT <prctl-nr> <shim-dir> <runtime create argv…>`; status lines on fd 3. */
export const SHIM_SCRIPT = String.raw`
use strict;
use warnings;
use Fcntl qw(F_SETFD FD_CLOEXEC);
my ($prctl, $dir, @create) = @ARGV;
$0 = "corral-shim $dir";
open(my $status, '>&=', 3) or die "corral-shim: no status pipe: $!\n";
fcntl($status, F_SETFD, FD_CLOEXEC);
select((select($status), $| = 1)[0]);
sub put {
  my ($name, $text) = @_;
  open(my $fh, '>', "$dir/$name.tmp") or return;
  print $fh $text;
  close($fh);
  rename("$dir/$name.tmp", "$dir/$name");
}
sub fail { print $status "failed $_[0]\n"; close($status); exit 1; }
put('shim.pid', "$$\n");
# PR_SET_CHILD_SUBREAPER = 36
syscall($prctl + 0, 36, 1, 0, 0, 0) == 0 or fail("cannot become a subreaper: $!");
my $rc = system(@create);
my $error = "$!";
# Only now: an ignored SIGPIPE would be inherited by the runtime and the container. If the agent
# died while waiting for the report, writing it must not kill the shim.
$SIG{PIPE} = 'IGNORE';
if ($rc == -1) { print $status "unavailable cannot run $create[0]: $error\n"; exit 1; }
fail('runtime killed by signal ' . ($rc & 127)) if $rc & 127;
fail('runtime exit ' . ($rc >> 8)) if $rc != 0;
open(my $fh, '<', "$dir/init.pid") or fail("no pid file: $!");
my $pid = <$fh> // '';
close($fh);
$pid =~ s/\s+//g;
fail('bad pid file') unless $pid =~ /^[0-9]+$/;
print $status "created $pid\n";
close($status);
while (1) {
  my $p = waitpid(-1, 0);
  if ($p == -1) {
    # Not re-parented to us after all: wait it out without a status.
    sleep 1 while kill(0, $pid);
    exit 0;
  }
  next unless $p == $pid;
  my $s = $?;
  put('exit', (($s & 127) ? 128 + ($s & 127) : ($s >> 8)) . "\n");
  exit 0;
}
`;

/** The shim's /proc/<pid>/cmdline: how the agent tells its shim from a process that reused the pid. */
export function shimCommandLine(dir: string): string {
  return `corral-shim ${dir}`;
}

/** What the shim said on its status pipe. */
export type ShimReport = { created: true; pid: number } | { created: false; reason: string; unavailable?: true };

export function parseShimReport(text: string): ShimReport {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  const created = /^created ([0-9]+)$/.exec(line);
  if (created) return { created: true, pid: Number(created[1]) };
  if (line.startsWith('failed ')) return { created: false, reason: line.slice('failed '.length) };
  if (line.startsWith('unavailable ')) return { created: false, reason: line.slice('unavailable '.length), unavailable: true };
  return { created: false, reason: line === '' ? 'the shim exited without a report' : `unexpected report ${JSON.stringify(line)}` };
}

/** An exit file's content → the code; undefined when absent or garbled. */
export function parseExitFile(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  return trimmed !== undefined && /^[0-9]{1,3}$/.test(trimmed) ? Number(trimmed) : undefined;
}
